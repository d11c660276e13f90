"""Conv3DTranspose: transposed 3D convolution (Keras `keras.layers.Conv3DTranspose`)."""

from torchkeras.layers.convolutional.base_conv_transpose import BaseConvTranspose
from torchkeras.layers.convolutional.conv_layer import subclass_args


class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3D convolution (the gradient of Conv3D with respect to its input).

    Args: filters, kernel_size, strides, padding ("valid" or "same"), output_padding (None, or < strides),
    data_format, dilation_rate, activation, use_bias, kernel/bias initializer, kernel/bias/activity
    regularizer, kernel/bias constraint: as Keras. Keras kernel layout (kd, kh, kw, filters, in); the torch module is
    `self.torch_module` (nn.ConvTranspose3d, weight (in, filters, k...)).

    Output length per spatial dim: "valid" (n-1)*s + k_eff + output_padding (default max(k_eff, s) - k_eff);
    "same" n*s, or (n-1)*s + k_eff % 2 + output_padding when output_padding is given.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None, output_padding=None,
                 dilation_rate=(1, 1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, **subclass_args(locals()))
