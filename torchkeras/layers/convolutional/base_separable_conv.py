"""BaseSeparableConv: SeparableConv1D/2D = a depthwise conv (strides, padding, dilation, no bias)
followed by a 1x1 pointwise conv with the bias, as tf.nn.separable_conv2d computes it."""

import torch
from torch import nn

from torchkeras import activations, config, constraints, initializers, regularizers
from torchkeras import weight_layout as wl
from torchkeras.layers.convolutional.base_conv import (
    ConvRunner,
    check_ndim,
    conv_output_spatial,
    from_channels_first,
    input_channels,
    to_channels_first,
    torch_memory_format,
    with_channels,
)
from torchkeras.layers.convolutional.base_depthwise_conv import make_depthwise, positive_multiplier
from torchkeras.layers.convolutional.padding import normalize_padding
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.utils.validation import normalize_tuple


class BaseSeparableConv(Layer):
    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = positive_multiplier(depth_multiplier, self)
        if isinstance(filters, bool) or not isinstance(filters, (int, float)) or filters <= 0 \
                or int(filters) != filters:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly positive integer. "
                             f"Received filters={filters!r}.")
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = normalize_padding(padding, layer=self)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, input_shape):
        in_ch = input_channels(self, input_shape)
        mid = in_ch * self.depth_multiplier
        self._keras_kernel_shape = self.kernel_size + (in_ch, self.depth_multiplier)
        conv_output_spatial(self, input_shape)
        self.depthwise_kernel = make_depthwise(self, in_ch, self.depthwise_initializer,
                                               self.depthwise_regularizer, self.depthwise_constraint,
                                               False, attr="depthwise_conv", keras_name="depthwise_kernel")
        pw_cls = {1: nn.Conv1d, 2: nn.Conv2d}[self.rank]
        self.pointwise_conv = pw_cls(mid, self.filters, 1, bias=self.use_bias, device=self._device_cache)
        pw = self.pointwise_conv
        with torch.no_grad():
            pw.weight.copy_(wl.conv_to_torch(self.pointwise_initializer((1,) * self.rank + (mid, self.filters))))
            if self.use_bias:
                pw.bias.copy_(self.bias_initializer((self.filters,)))
        pw.weight.data = pw.weight.data.contiguous(memory_format=torch_memory_format(self.rank, self.data_format))
        self.pointwise_kernel = self._track_variable(pw, "weight", "pointwise_kernel", wl.conv_to_keras,
                                                     wl.conv_to_torch, regularizer=self.pointwise_regularizer,
                                                     constraint=self.pointwise_constraint)
        self.bias = self._track_variable(pw, "bias", "bias", regularizer=self.bias_regularizer,
                                         constraint=self.bias_constraint) if self.use_bias else None
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: in_ch})
        self._runner = ConvRunner(self)
        self._groups = in_ch

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            check_ndim(self, inputs.shape)
        dw, pw = self.depthwise_conv.weight, self.pointwise_conv.weight
        if self.rank == 1:
            dw, pw = dw.unsqueeze(2), pw.unsqueeze(2)
        x = to_channels_first(inputs, self.rank, self.data_format)
        y = self._runner.conv_cf(x, dw, None, self._groups)
        y = self._runner.fn(y, pw, self.pointwise_conv.bias)
        return self.activation(from_channels_first(y, self.rank, self.data_format))

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape)
        return with_channels(self, input_shape, conv_output_spatial(self, input_shape), self.filters)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return cfg
