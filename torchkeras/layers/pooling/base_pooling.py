"""BasePooling: Max/AveragePooling 1D/2D/3D with TF's "valid"/"same" semantics.

"same" max pooling pads with -inf; "same" average pooling averages over the real cells only. Where
TF's split is symmetric the torch op pads itself (max: -inf; average: count_include_pad=False, which
already excludes padded cells); otherwise F.pad adds the asymmetric border and, for the average, the
window sums are divided by the pooled count of real cells. Inputs are pooled on a channels-first view
(no copy for channels_last, see conv_utils), 1D as 2D on (N, C, 1, W).
"""

import torch
import torch.nn.functional as F

from torchkeras import config
from torchkeras.layers.convolutional.conv_utils import (
    channel_axis,
    from_channels_first,
    lift,
    spatial_dims,
    to_channels_first,
    with_channels,
)
from torchkeras.layers.convolutional.padding import conv_padding, normalize_padding, output_length
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.utils.validation import normalize_tuple

_MAX = {2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {2: F.avg_pool2d, 3: F.avg_pool3d}


class BasePooling(Layer):
    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rank = pool_dimensions
        self.pool_size = normalize_tuple(pool_size, pool_dimensions, "pool_size")
        self.strides = normalize_tuple(pool_size if strides is None else strides, pool_dimensions, "strides")
        if pool_mode not in ("max", "average"):
            raise ValueError(f"`pool_mode` must be either 'max' or 'average'. Received: {pool_mode}.")
        self.pool_mode = pool_mode
        self.padding = normalize_padding(padding, layer=self)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self._k, self._s = lift(self.rank, self.pool_size), lift(self.rank, self.strides)
        self._fn = (_MAX if pool_mode == "max" else _AVG)[max(self.rank, 2)]
        self._cache = {}
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def _pads(self, spatial):
        p = self._cache.get(spatial)
        if p is None:
            self._check_size(spatial[1:] if self.rank == 1 else spatial, None)
            p = conv_padding(spatial, self._k, self._s, (1,) * len(spatial), self.padding)
            self._cache[spatial] = p
        return p

    def _check_size(self, spatial, shape):
        out = [output_length(n, k, s, 1, self.padding) for n, k, s in zip(spatial, self.pool_size, self.strides)]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(
                f"Computed output size would be zero or negative. Received: `inputs.shape={shape or spatial}`, "
                f"`pool_size={self.pool_size}`, `strides={self.strides}`, `padding={self.padding}`. With "
                "padding='valid' every spatial dim must be at least pool_size: use a smaller pool_size "
                "or padding='same'.")
        return tuple(out)

    def call(self, inputs):
        x = to_channels_first(inputs, self.rank, self.data_format)
        spatial = tuple(x.shape[2:])
        sym, pad = self._pads(spatial)
        if self.pool_mode == "max":
            if pad is not None:
                x = F.pad(x, pad, value=float("-inf"))
            y = self._fn(x, self._k, self._s, sym)
        elif pad is None:
            y = self._fn(x, self._k, self._s, sym, count_include_pad=False)
        else:
            ones = F.pad(torch.ones((1, 1) + spatial, dtype=x.dtype, device=x.device), pad)
            y = self._fn(F.pad(x, pad), self._k, self._s) / self._fn(ones, self._k, self._s)
        return from_channels_first(y, self.rank, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        out = self._check_size(spatial_dims(self, input_shape), input_shape)
        return with_channels(self, input_shape, out, input_shape[channel_axis(self.data_format)])

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                    "data_format": self.data_format})
        return cfg
