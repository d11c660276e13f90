"""BaseDepthwiseConv: DepthwiseConv1D/2D, each input channel convolved with its own `depth_multiplier` filters.

torch form: a grouped conv with groups=C and C*M output channels; output channel c*M + m is Keras's
(channel c, multiplier m), so the Keras kernel (k..., C, M) maps to torch by a reshape and a permute.
"""

from torch import nn

from torchkeras import weight_layout as wl
from torchkeras.layers.convolutional.conv_layer import ConvLayer, positive_integer
from torchkeras.layers.convolutional.conv_utils import (
    ConvRunner,
    conv_output_spatial,
    input_channels,
    with_channels,
)

_MODULES = {1: nn.Conv1d, 2: nn.Conv2d}


def positive_multiplier(value, layer):
    return positive_integer(value, "depth_multiplier", f" in {type(layer).__name__}")


def build_depthwise(layer, input_shape, with_bias, attr="torch_module", keras_name="kernel"):
    """The build steps DepthwiseConv and SeparableConv share: check the input, create the grouped conv
    of the depthwise kernel (as `layer.<attr>`), track it as Keras's (k..., C, M) weight, lock the
    input channels. Returns (input channels, module, tracked kernel)."""
    in_ch = input_channels(layer, input_shape)
    M = layer.depth_multiplier
    layer._keras_kernel_shape = layer.kernel_size + (in_ch, M)
    conv_output_spatial(layer, input_shape)
    mod = _MODULES[layer.rank](in_ch, in_ch * M, layer.kernel_size, stride=layer.strides,
                               dilation=layer.dilation_rate, groups=in_ch, bias=with_bias,
                               device=layer._device_cache)
    setattr(layer, attr, mod)
    kernel = layer._make_kernel(mod, "depthwise", layer._keras_kernel_shape, *wl.depthwise_layout(M),
                                keras_name=keras_name)
    layer._lock_channels(in_ch)
    layer._runner = ConvRunner(layer)
    layer._groups = in_ch
    return in_ch, mod, kernel


class BaseDepthwiseConv(ConvLayer):
    _weights = ("depthwise", "bias")
    _config_head = ("depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate")

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = positive_multiplier(depth_multiplier, self)
        self._init_geometry(rank, kernel_size, strides, dilation_rate, padding)
        self._init_outputs(data_format, activation, use_bias, locals())
        self._finish_init()

    def build(self, input_shape):
        in_ch, m, self.kernel = build_depthwise(self, input_shape, self.use_bias)
        self.bias = self._make_bias(m, in_ch * self.depth_multiplier)

    def compute_output_shape(self, input_shape):
        in_ch = input_channels(self, input_shape)
        spatial = conv_output_spatial(self, input_shape)
        return with_channels(self, input_shape, spatial, in_ch * self.depth_multiplier)
