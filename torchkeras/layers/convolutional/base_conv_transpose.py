"""BaseConvTranspose: Conv1DTranspose/2D/3D (the gradient of a conv with respect to its input).

Output sizes follow Keras's TF backend (NUMERICS.md §3). torch's conv_transpose gives the "full"
output (i-1)*s + k_eff; Keras's output is that, cropped for "same", or extended on the right by
output_padding (cells that only receive the bias, e.g. when the kernel is smaller than the stride).
"""

import torch
import torch.nn.functional as F
from torch import nn

from torchkeras import activations, config, constraints, initializers, regularizers
from torchkeras import weight_layout as wl
from torchkeras.layers.convolutional.base_conv import (
    check_ndim,
    from_channels_first,
    input_channels,
    spatial_dims,
    to_channels_first,
    torch_memory_format,
    with_channels,
)
from torchkeras.layers.convolutional.padding import (
    effective_kernel,
    normalize_padding,
    transpose_output_length,
)
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.utils.validation import normalize_tuple

_FN = {2: F.conv_transpose2d, 3: F.conv_transpose3d}


class BaseConvTranspose(Layer):
    _module_cls = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if isinstance(filters, bool) or not isinstance(filters, (int, float)) or filters <= 0 \
                or int(filters) != filters:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly positive integer. "
                             f"Received filters={filters!r}.")
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = normalize_padding(padding, layer=self)
        self.output_padding = None if output_padding is None else normalize_tuple(
            output_padding, rank, "output_padding", allow_zero=True)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all dimensions. At "
                        f"dimension {i}, `output_padding` is {op} but `strides` is {s}. Received: "
                        f"output_padding={self.output_padding}, strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        if self.padding == "same" and self.output_padding is not None:
            for i, (op, k, d) in enumerate(zip(self.output_padding, self.kernel_size, self.dilation_rate)):
                # Output (n-1)*s + k_eff%2 + op would not convolve back to n cells: TF fails at call time.
                if op == 0 and effective_kernel(k, d) % 2 == 0:
                    raise ValueError(
                        f"padding='same' with output_padding=0 and an even effective kernel size "
                        f"((kernel_size - 1) * dilation_rate + 1 = {effective_kernel(k, d)} at dimension {i}) "
                        f"has no valid output size. Received: kernel_size={self.kernel_size}, "
                        f"dilation_rate={self.dilation_rate}, output_padding={self.output_padding}. Use "
                        "output_padding=None, output_padding >= 1, or an odd kernel_size.")
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._geom = {}
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, input_shape):
        in_ch = input_channels(self, input_shape)
        self.torch_module = self._module_cls[self.rank](
            in_ch, self.filters, self.kernel_size, stride=self.strides, dilation=self.dilation_rate,
            bias=self.use_bias, device=self._device_cache)
        m = self.torch_module
        with torch.no_grad():
            m.weight.copy_(wl.conv_transpose_to_torch(
                self.kernel_initializer(self.kernel_size + (self.filters, in_ch))))
            if self.use_bias:
                m.bias.copy_(self.bias_initializer((self.filters,)))
        m.weight.data = m.weight.data.contiguous(memory_format=torch_memory_format(self.rank, self.data_format))
        self._kernel = self._track_variable(m, "weight", "kernel", wl.conv_transpose_to_keras,
                                            wl.conv_transpose_to_torch, regularizer=self.kernel_regularizer,
                                            constraint=self.kernel_constraint)
        self.bias = self._track_variable(m, "bias", "bias", regularizer=self.bias_regularizer,
                                         constraint=self.bias_constraint) if self.use_bias else None
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: in_ch})

    @property
    def kernel(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    def _out_spatial(self, spatial):
        ops = self.output_padding or (None,) * self.rank
        return tuple(transpose_output_length(n, k, s, d, self.padding, op) for n, k, s, d, op in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate, ops))

    def _geometry(self, spatial):
        """(torch output_padding, crop index or None) for the input's spatial sizes (cached)."""
        g = self._geom.get(spatial)
        if g is None:
            extra, crops, crop = [], [], False
            for n, o, k, s, d in zip(spatial, self._out_spatial(spatial), self.kernel_size, self.strides,
                                     self.dilation_rate):
                full = (n - 1) * s + effective_kernel(k, d)
                extra.append(max(o - full, 0))
                before = max(full - o, 0) // 2 if self.padding == "same" else 0
                crops.append(slice(before, before + o))
                crop = crop or before > 0 or o < full
            if self.rank == 1:
                extra, crops = [0] + extra, [slice(None)] + crops
            g = (tuple(extra), (slice(None), slice(None), *crops) if crop else None)
            self._geom[spatial] = g
        return g

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            check_ndim(self, inputs.shape)
        m = self.torch_module
        x = to_channels_first(inputs, self.rank, self.data_format)
        out_pad, crop = self._geometry(tuple(x.shape[3:] if self.rank == 1 else x.shape[2:]))
        w = m.weight
        if self.rank == 1:  # as a 2D transpose on (N, C, 1, W), like Conv1D
            w = w.unsqueeze(2)
            y = F.conv_transpose2d(x, w, m.bias, (1,) + self.strides, 0, out_pad, 1, (1,) + self.dilation_rate)
        else:
            y = _FN[self.rank](x, w, m.bias, self.strides, 0, out_pad, 1, self.dilation_rate)
        if crop is not None:
            y = y[crop]
        return self.activation(from_channels_first(y, self.rank, self.data_format))

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape)
        return with_channels(self, input_shape, self._out_spatial(spatial_dims(self, input_shape)), self.filters)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return cfg
