"""Shared machinery of ZeroPaddingND, CroppingND and UpSamplingND: argument parsing with Keras's
messages, spatial-axis bookkeeping for both data formats, and the tensor ops."""

import torch.nn.functional as F

from torchkeras import config
from torchkeras.layers.convolutional.conv_utils import spatial_axes
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.reshaping._base import ReshapingLayer
from torchkeras.utils.validation import normalize_tuple

_ORDINALS = ("1st", "2nd", "3rd")


def parse_pairs(value, rank, arg, crop):
    """int | tuple of `rank` ints | tuple of `rank` (before, after) pairs -> tuple of `rank` pairs.
    Rank 1 takes an int or one (before, after) pair."""
    if rank == 1:
        return (normalize_tuple(value, 2, arg, allow_zero=True),)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{arg}` cannot be negative. Received: {arg}={value}.")
        return ((value, value),) * rank
    if hasattr(value, "__len__") and not isinstance(value, str):
        if len(value) != rank:
            raise ValueError(f"`{arg}` should have {('two', 'three')[rank - 2]} elements. "
                             f"Received: {arg}={value}.")
        return tuple(normalize_tuple(v, 2, f"{_ORDINALS[i]} entry of {arg}", allow_zero=True)
                     for i, v in enumerate(value))
    what = "crop" if crop else "pad"
    ints = ", ".join(f"symmetric_dim{i + 1}_{what}" for i in range(rank))
    pairs = ", ".join(f"(left_dim{i + 1}_{what}, right_dim{i + 1}_{what})" for i in range(rank))
    raise ValueError(f"`{arg}` should be either an int, a tuple of {rank} ints ({ints}), or a tuple of {rank} "
                     f"tuples of 2 ints ({pairs}). Received: {arg}={value!r}.")


class SpatialLayer(ReshapingLayer):
    """Base of the layers here: `_rank` spatial dims, optional data_format, a fixed input rank."""

    _rank = 2
    _config_attrs = ("data_format",)

    def _init_spatial(self, data_format):
        self.data_format = config.standardize_data_format(data_format)
        self._axes = spatial_axes(self._rank, self.data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _init_pairs(self, value, data_format):
        """data_format, then the per-axis (before, after) amounts of `self._pairs_arg`."""
        self._init_spatial(data_format)
        self._pairs = parse_pairs(value, self._rank, self._pairs_arg, crop=self._pairs_arg == "cropping")
        setattr(self, self._pairs_arg, self._pairs[0] if self._rank == 1 else self._pairs)


class ZeroPaddingBase(SpatialLayer):
    _pairs_arg = "padding"
    _config_attrs = ("padding", "data_format")

    def call(self, inputs):
        pads = []
        for axis in reversed(range(inputs.dim())):
            pads += list(self._pairs[self._axes.index(axis)]) if axis in self._axes else [0, 0]
        while pads[-2:] == [0, 0] and pads:
            pads = pads[:-2]
        return F.pad(inputs, pads) if pads else inputs

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, (a, b) in zip(self._axes, self._pairs):
            if out[axis] is not None:
                out[axis] += a + b
        return tuple(out)


class CroppingBase(SpatialLayer):
    _pairs_arg = "cropping"
    _config_attrs = ("cropping", "data_format")

    def _check(self, shape, what):
        for axis, (a, b) in zip(self._axes, self._pairs):
            if shape[axis] is not None and a + b >= shape[axis]:
                raise ValueError(f"Values in `cropping` argument should be smaller than the corresponding "
                                 f"spatial dimension of the input. Received: {what}={tuple(shape)}, "
                                 f"cropping={self.cropping}. Crop less than the input's size on each axis.")

    def call(self, inputs):
        self._check(tuple(inputs.shape), "inputs.shape")
        index = [slice(None)] * inputs.dim()
        for axis, (a, b) in zip(self._axes, self._pairs):
            index[axis] = slice(a, inputs.shape[axis] - b)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape, "input_shape")
        out = list(input_shape)
        for axis, (a, b) in zip(self._axes, self._pairs):
            if out[axis] is not None:
                out[axis] -= a + b
        return tuple(out)


def repeat_nearest(x, axes, factors):
    """Repeat each element `factor` times along each axis (ops.repeat per axis) with a single copy."""
    view, expand, final = [], [], []
    for d, n in enumerate(x.shape):
        view.append(n)
        expand.append(n)
        if d in axes:
            f = factors[axes.index(d)]
            view.append(1)
            expand.append(f)
            final.append(n * f)
        else:
            final.append(n)
    return x.reshape(view).expand(expand).reshape(final)


class UpSamplingBase(SpatialLayer):
    _config_attrs = ("size", "data_format")

    def call(self, inputs):
        return repeat_nearest(inputs, self._axes, self._size)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, f in zip(self._axes, self._size):
            if out[axis] is not None:
                out[axis] *= f
        return tuple(out)
