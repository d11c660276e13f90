"""SeparableConv1D (Keras `keras.layers.SeparableConv1D`)."""

from torchkeras.layers.convolutional.base_separable_conv import BaseSeparableConv
from torchkeras.layers.convolutional.conv_layer import subclass_args


class SeparableConv1D(BaseSeparableConv):
    """Depthwise separable 1D convolution: a depthwise conv, then a pointwise (1x1) conv plus bias.

    Args: filters, kernel_size, strides, padding ("valid"/"same"), data_format, dilation_rate,
    depth_multiplier, activation, use_bias, depthwise/pointwise/bias initializer, regularizer and
    constraint, activity_regularizer: as Keras. Weights: depthwise_kernel (k, C, M),
    pointwise_kernel (1, C*M, filters), bias (filters,). torch modules: `depthwise_conv`, `pointwise_conv`.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, **subclass_args(locals()))
