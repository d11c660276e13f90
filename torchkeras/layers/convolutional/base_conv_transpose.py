"""BaseConvTranspose: Conv1DTranspose/2D/3D (the gradient of a conv with respect to its input).

Output sizes follow Keras's TF backend (NUMERICS.md §3). torch's conv_transpose gives the "full"
output (i-1)*s + k_eff; Keras's output is that, cropped for "same", or extended on the right by
output_padding (cells that only receive the bias, e.g. when the kernel is smaller than the stride).
"""

import torch.nn.functional as F
from torch import nn

from torchkeras import weight_layout as wl
from torchkeras.layers.convolutional.conv_layer import (
    ConvLayer,
    built_kernel,
    positive_integer,
)
from torchkeras.layers.convolutional.conv_utils import (
    check_ndim,
    from_channels_first,
    input_channels,
    lift,
    spatial_dims,
    to_channels_first,
    with_channels,
)
from torchkeras.layers.convolutional.padding import effective_kernel, transpose_output_length
from torchkeras.utils.validation import normalize_tuple

_FN = {2: F.conv_transpose2d, 3: F.conv_transpose3d}  # rank 1 runs through conv_transpose2d


class BaseConvTranspose(ConvLayer):
    _module_cls = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}
    _config_head = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
                    "dilation_rate")

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = positive_integer(filters, "filters")
        self._init_geometry(rank, kernel_size, strides, dilation_rate, padding)
        self.output_padding = None if output_padding is None else normalize_tuple(
            output_padding, rank, "output_padding", allow_zero=True)
        self._init_outputs(data_format, activation, use_bias, locals())
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all dimensions. At "
                        f"dimension {i}, `output_padding` is {op} but `strides` is {s}. Received: "
                        f"output_padding={self.output_padding}, strides={self.strides}")
        self._check_strides_dilation()
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
        self._geom = {}
        self._finish_init()

    def build(self, input_shape):
        in_ch = input_channels(self, input_shape)
        self.torch_module = m = self._module_cls[self.rank](
            in_ch, self.filters, self.kernel_size, stride=self.strides, dilation=self.dilation_rate,
            bias=self.use_bias, device=self._device_cache)
        self._kernel = self._make_kernel(m, "kernel", self.kernel_size + (self.filters, in_ch),
                                         wl.conv_transpose_to_keras, wl.conv_transpose_to_torch)
        self.bias = self._make_bias(m, self.filters)
        self._lock_channels(in_ch)

    kernel = built_kernel

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
        self._check_rank(inputs)
        m = self.torch_module
        x = to_channels_first(inputs, self.rank, self.data_format)
        out_pad, crop = self._geometry(tuple(x.shape[3:] if self.rank == 1 else x.shape[2:]))
        w = m.weight.unsqueeze(2) if self.rank == 1 else m.weight  # rank 1: a 2D transpose, like Conv1D
        y = _FN[max(self.rank, 2)](x, w, m.bias, lift(self.rank, self.strides), 0, out_pad, 1,
                                   lift(self.rank, self.dilation_rate))
        if crop is not None:
            y = y[crop]
        return self.activation(from_channels_first(y, self.rank, self.data_format))

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape)
        return with_channels(self, input_shape, self._out_spatial(spatial_dims(self, input_shape)), self.filters)
