"""Helpers shared by the normalization layers: axis checks and dtype promotion."""

import torch


class AxisError(ValueError, IndexError):
    """A bad `axis` argument. Keras lets tuple indexing raise IndexError here; we say what was wrong,
    and stay catchable as either exception."""


def normalize_axes(axes, ndim, layer, input_shape):
    """Map each entry of `axes` (int or list of ints) to 0..ndim-1, raising Keras-style errors."""
    single = isinstance(axes, int)
    out = []
    for a in [axes] if single else axes:
        if isinstance(a, bool) or not isinstance(a, int):
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis' of "
                            f"{type(layer).__name__}, but received: axis={axes!r}")
        if not -ndim <= a < ndim:
            raise AxisError(f"Axis {a} is out of bounds for input shape {tuple(input_shape)} (rank {ndim}) in "
                            f"{type(layer).__name__} {layer.name!r}. Received: axis={axes!r}. Pass an axis in "
                            f"[{-ndim}, {ndim - 1}].")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"Duplicate axis in {type(layer).__name__}: axis={axes!r} for an input of rank {ndim}.")
    return out[0] if single else out


def check_axis_arg(axis, layer, allow_list=True):
    """Validate `axis` at construction: an int, or (when allowed) a list/tuple of ints."""
    if allow_list and isinstance(axis, (list, tuple)):
        if all(isinstance(a, int) and not isinstance(a, bool) for a in axis) and len(axis) > 0:
            return list(axis)
    elif isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    want = "an int or a list/tuple of ints" if allow_list else "an int"
    raise TypeError(f"Expected {want} for the argument 'axis' of {type(layer).__name__}, "
                    f"but received: axis={axis!r}")


def compute_float(x):
    """Statistics run in at least float32 (Keras upcasts float16/bfloat16 inputs)."""
    if x.dtype in (torch.float16, torch.bfloat16) or not x.is_floating_point():
        return x.float()
    return x


def broadcast_shape(ndim, axes, sizes):
    shape = [1] * ndim
    for a, s in zip(axes, sizes):
        shape[a] = s
    return shape


def on_channels_axis(x, axis, fn):
    """Apply `fn`, a torch op that wants the channels at axis 1 (F.group_norm, F.batch_norm), to `x`
    whose channels are at `axis`."""
    if axis == 1:
        return fn(x)
    return fn(x.movedim(axis, 1)).movedim(1, axis)
