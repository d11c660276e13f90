"""BaseDepthwiseConv: DepthwiseConv1D/2D, each input channel convolved with its own `depth_multiplier` filters.

torch form: a grouped conv with groups=C and C*M output channels; output channel c*M + m is Keras's
(channel c, multiplier m), so the Keras kernel (k..., C, M) maps to torch by a reshape and a permute.
"""

import torch
from torch import nn

from torchkeras import activations, config, constraints, initializers, regularizers
from torchkeras import weight_layout as wl
from torchkeras.layers.convolutional.base_conv import (
    ConvRunner,
    check_ndim,
    conv_output_spatial,
    input_channels,
    torch_memory_format,
    with_channels,
)
from torchkeras.layers.convolutional.padding import normalize_padding
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.utils.validation import normalize_tuple

_MODULES = {1: nn.Conv1d, 2: nn.Conv2d}


def positive_multiplier(value, layer):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or int(value) != value:
        raise ValueError("Invalid value for argument `depth_multiplier`. Expected a strictly positive "
                         f"integer. Received depth_multiplier={value!r} in {type(layer).__name__}.")
    return int(value)


def make_depthwise(layer, in_ch, initializer, regularizer, constraint, with_bias, attr="torch_module",
                   keras_name="kernel"):
    """Create the grouped conv for a depthwise kernel and track it as Keras's (k..., C, M) weight."""
    M = layer.depth_multiplier
    mod = _MODULES[layer.rank](in_ch, in_ch * M, layer.kernel_size, stride=layer.strides,
                               dilation=layer.dilation_rate, groups=in_ch, bias=with_bias,
                               device=layer._device_cache)
    to_keras, to_torch = wl.depthwise_layout(M)
    with torch.no_grad():
        mod.weight.copy_(to_torch(initializer(layer.kernel_size + (in_ch, M))))
    mod.weight.data = mod.weight.data.contiguous(memory_format=torch_memory_format(layer.rank, layer.data_format))
    setattr(layer, attr, mod)
    return layer._track_variable(mod, "weight", keras_name, to_keras, to_torch, regularizer=regularizer,
                                 constraint=constraint)


class BaseDepthwiseConv(Layer):
    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = positive_multiplier(depth_multiplier, self)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = normalize_padding(padding, layer=self)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, input_shape):
        in_ch = input_channels(self, input_shape)
        self._keras_kernel_shape = self.kernel_size + (in_ch, self.depth_multiplier)
        conv_output_spatial(self, input_shape)
        self.kernel = make_depthwise(self, in_ch, self.depthwise_initializer, self.depthwise_regularizer,
                                     self.depthwise_constraint, self.use_bias)
        m = self.torch_module
        if self.use_bias:
            with torch.no_grad():
                m.bias.copy_(self.bias_initializer((in_ch * self.depth_multiplier,)))
            self.bias = self._track_variable(m, "bias", "bias", regularizer=self.bias_regularizer,
                                             constraint=self.bias_constraint)
        else:
            self.bias = None
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: in_ch})
        self._runner = ConvRunner(self)
        self._groups = in_ch

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            check_ndim(self, inputs.shape)
        m = self.torch_module
        return self.activation(self._runner(inputs, m.weight, m.bias, self._groups))

    def compute_output_shape(self, input_shape):
        in_ch = input_channels(self, input_shape)
        spatial = conv_output_spatial(self, input_shape)
        return with_channels(self, input_shape, spatial, in_ch * self.depth_multiplier)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return cfg
