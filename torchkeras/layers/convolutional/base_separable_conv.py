"""BaseSeparableConv: SeparableConv1D/2D = a depthwise conv (strides, padding, dilation, no bias)
followed by a 1x1 pointwise conv with the bias, as tf.nn.separable_conv2d computes it."""

from torch import nn

from torchkeras import weight_layout as wl
from torchkeras.layers.convolutional.base_depthwise_conv import build_depthwise, positive_multiplier
from torchkeras.layers.convolutional.conv_layer import ConvLayer, positive_integer
from torchkeras.layers.convolutional.conv_utils import from_channels_first, to_channels_first


class BaseSeparableConv(ConvLayer):
    _weights = ("depthwise", "pointwise", "bias")
    _config_head = ("depth_multiplier", "filters", "kernel_size", "strides", "padding", "data_format",
                    "dilation_rate")

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = positive_multiplier(depth_multiplier, self)
        self.filters = positive_integer(filters, "filters")
        self._init_geometry(rank, kernel_size, strides, dilation_rate, padding)
        self._init_outputs(data_format, activation, use_bias, locals())
        self._finish_init()

    def build(self, input_shape):
        in_ch, _, self.depthwise_kernel = build_depthwise(self, input_shape, False, attr="depthwise_conv",
                                                          keras_name="depthwise_kernel")
        mid = in_ch * self.depth_multiplier
        pw_cls = {1: nn.Conv1d, 2: nn.Conv2d}[self.rank]
        self.pointwise_conv = pw = pw_cls(mid, self.filters, 1, bias=self.use_bias, device=self._device_cache)
        self.pointwise_kernel = self._make_kernel(pw, "pointwise", (1,) * self.rank + (mid, self.filters),
                                                  wl.conv_to_keras, wl.conv_to_torch,
                                                  keras_name="pointwise_kernel")
        self.bias = self._make_bias(pw, self.filters)

    def call(self, inputs):
        self._check_rank(inputs)
        dw, pw = self.depthwise_conv.weight, self.pointwise_conv.weight
        if self.rank == 1:
            dw, pw = dw.unsqueeze(2), pw.unsqueeze(2)
        x = to_channels_first(inputs, self.rank, self.data_format)
        y = self._runner.conv_cf(x, dw, None, self._groups)
        y = self._runner.fn(y, pw, self.pointwise_conv.bias)
        return self.activation(from_channels_first(y, self.rank, self.data_format))
