"""Conv2DTranspose: transposed 2D convolution (Keras `keras.layers.Conv2DTranspose`)."""

from torchkeras.layers.convolutional.base_conv_transpose import BaseConvTranspose
from torchkeras.layers.convolutional.conv_layer import subclass_args


class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2D convolution (the gradient of Conv2D with respect to its input).

    Args: filters, kernel_size, strides, padding ("valid" or "same"), output_padding (None, or < strides),
    data_format, dilation_rate, activation, use_bias, kernel/bias initializer, kernel/bias/activity
    regularizer, kernel/bias constraint: as Keras. Keras kernel layout (kh, kw, filters, in); the torch module is
    `self.torch_module` (nn.ConvTranspose2d, weight (in, filters, k...)).

    Output length per spatial dim: "valid" (n-1)*s + k_eff + output_padding (default max(k_eff, s) - k_eff);
    "same" n*s, or (n-1)*s + k_eff % 2 + output_padding when output_padding is given.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, **subclass_args(locals()))
