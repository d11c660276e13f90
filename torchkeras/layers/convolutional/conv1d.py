"""Conv1D: temporal convolution over (batch, steps, channels) (Keras `keras.layers.Conv1D`)."""

from torchkeras.layers.convolutional.base_conv import BaseConv
from torchkeras.layers.convolutional.conv_layer import subclass_args


class Conv1D(BaseConv):
    """1D convolution: `activation(conv(inputs, kernel) + bias)`.

    Args: filters, kernel_size, strides, padding ("valid", "same", or "causal": left padding only), data_format (None means
    `image_data_format()`), dilation_rate, groups, activation, use_bias, kernel/bias initializer,
    kernel/bias/activity regularizer, kernel/bias constraint: as Keras. Keras kernel layout
    (k, in/groups, filters); the torch module is `self.torch_module` (nn.Conv1d, weight = the kernel permuted).

    Input shape: (batch, steps, channels) (channels_last) or the channels_first equivalent.
    Keras's Conv1D.call runs its own conv on `self.kernel` (causal padding included), not
    `convolution_op`: a subclass's `convolution_op` override is not used by `call`, as in Keras.
    """

    _calls_convolution_op = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(1, **subclass_args(locals()))
