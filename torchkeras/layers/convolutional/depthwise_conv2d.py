"""DepthwiseConv2D (Keras `keras.layers.DepthwiseConv2D`)."""

from torchkeras.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv
from torchkeras.layers.convolutional.conv_layer import subclass_args


class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2D convolution: each input channel c gets `depth_multiplier` filters of its own.

    Args: kernel_size, strides, padding ("valid"/"same"), depth_multiplier, data_format, dilation_rate,
    activation, use_bias, depthwise/bias initializer, depthwise/bias/activity regularizer,
    depthwise/bias constraint: as Keras. Weights: kernel (kh, kw, C, M), bias (C*M,);
    output channel c*M + m. The torch module is `self.torch_module` (nn.Conv2d with groups=C).
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, **subclass_args(locals()))
