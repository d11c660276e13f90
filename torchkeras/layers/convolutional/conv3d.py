"""Conv3D: convolution over volumes (Keras `keras.layers.Conv3D`)."""

from torchkeras.layers.convolutional.base_conv import BaseConv
from torchkeras.layers.convolutional.conv_layer import subclass_args


class Conv3D(BaseConv):
    """3D convolution: `activation(conv(inputs, kernel) + bias)`.

    Args: filters, kernel_size, strides, padding ("valid", "same"), data_format (None means
    `image_data_format()`), dilation_rate, groups, activation, use_bias, kernel/bias initializer,
    kernel/bias/activity regularizer, kernel/bias constraint: as Keras. Keras kernel layout
    (kd, kh, kw, in/groups, filters); the torch module is `self.torch_module` (nn.Conv3d, weight = the kernel permuted).

    Input shape: (batch, depth, height, width, channels) (channels_last) or the channels_first equivalent.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(3, **subclass_args(locals()))
