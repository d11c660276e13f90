"""Ports of Keras's compute_output_spec for the shape-manipulating ops (reshape, split, repeat, slice,
...): Keras answers from the arguments alone, e.g. None for a size that depends on an unknown dim."""

import numpy as np

from torchkeras.keras_tensor import KerasTensor
from torchkeras.ops._common import broadcast_shapes, shape_of
from torchkeras.ops._specs import _axis, _std


def repeat_spec(x, repeats, axis=None):
    shape = list(shape_of(x))
    repeats = [repeats] if isinstance(repeats, int) else list(np.asarray(repeats).reshape(-1))
    if axis is None:
        if None in shape:
            return KerasTensor((None,), _std(x))
        size = int(np.prod(shape))
        if len(repeats) == 1:
            return KerasTensor((size * int(repeats[0]),), _std(x))
        if len(repeats) != size:
            raise ValueError("Size of `repeats` and dimensions of `x` after flattening should be compatible. "
                             f"Received: {len(repeats)} and {size}")
        return KerasTensor((int(sum(repeats)),), _std(x))
    axis = _axis(axis, len(shape))
    if shape[axis] is not None:
        if len(repeats) == 1:
            shape[axis] *= int(repeats[0])
        elif len(repeats) != shape[axis]:
            raise ValueError(f"Size of `repeats` and dimensions of `axis {axis} of x` should be compatible. "
                             f"Received: {len(repeats)} and {tuple(shape)}")
        else:
            shape[axis] = int(sum(repeats))
    return KerasTensor(shape, _std(x))


def reshape_spec(x, newshape):
    in_shape = shape_of(x)
    if isinstance(newshape, KerasTensor) or hasattr(newshape, "shape") and not isinstance(newshape, tuple):
        s = shape_of(newshape)
        return KerasTensor((None,) * s[0] if len(s) == 1 and s[0] is not None else (None,), _std(x))
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    newshape = tuple(int(d) if isinstance(d, (int, np.integer)) else None for d in newshape)
    if newshape.count(-1) > 1 or any(d is not None and d < -1 for d in newshape):
        raise ValueError(f"There must be at most one unknown dimension (-1) in newshape, and no other negative "
                         f"sizes. Received: newshape={newshape}")
    if None in in_shape or None in newshape:
        return KerasTensor(tuple(None if d == -1 else d for d in newshape), _std(x))
    size, known = int(np.prod(in_shape)), int(np.prod([d for d in newshape if d != -1]))
    if -1 not in newshape:
        if size != known:
            raise ValueError(f"The total size of the tensor must be unchanged. Received: input_shape={in_shape}, "
                             f"newshape={newshape}")
        return KerasTensor(newshape, _std(x))
    if known == 0 or size % known:
        raise ValueError(f"The total size of the tensor must be unchanged, however, the input size cannot by "
                         f"divided by the specified dimensions in newshape. Received: input_shape={in_shape}, "
                         f"newshape={newshape}")
    return KerasTensor(tuple(size // known if d == -1 else d for d in newshape), _std(x))


def split_spec(x, indices_or_sections, axis=0):
    shape = list(shape_of(x))
    axis = _axis(axis, len(shape))
    size = shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if size is not None:
            if size % n:
                raise ValueError("`x` size on given `axis` must be divisible by `indices_or_sections` when "
                                 f"`indices_or_sections` is an int. But received {size} and {n}.")
            shape[axis] = size // n
        return [KerasTensor(shape, _std(x)) for _ in range(n)]
    bounds = [0] + list(indices_or_sections) + [size]
    outputs = []
    for start, end in zip(bounds[:-1], bounds[1:]):
        out = list(shape)
        out[axis] = None if start is None or end is None else max(0, min(end, size or end) - start)
        outputs.append(KerasTensor(out, _std(x)))
    return outputs


def hsplit_spec(x, indices_or_sections):
    ndim = len(shape_of(x))
    if ndim < 1:
        raise ValueError(f"`hsplit` only works on arrays of at least 1 dimension. Received array with shape "
                         f"{shape_of(x)}.")
    return split_spec(x, indices_or_sections, 0 if ndim == 1 else 1)


def vsplit_spec(x, indices_or_sections):
    if len(shape_of(x)) < 2:
        raise ValueError(f"`vsplit` only works on arrays of at least 2 dimensions. Received array with shape "
                         f"{shape_of(x)}.")
    return split_spec(x, indices_or_sections, 0)


def dsplit_spec(x, indices_or_sections):
    if len(shape_of(x)) < 3:
        raise ValueError(f"`dsplit` only works on arrays of at least 3 dimensions. Received array with shape "
                         f"{shape_of(x)}.")
    return split_spec(x, indices_or_sections, 2)


def array_split_spec(x, indices_or_sections, axis=0):
    shape = list(shape_of(x))
    axis = _axis(axis, len(shape))
    n = int(indices_or_sections)
    if shape[axis] is None:
        return [KerasTensor(shape, _std(x)) for _ in range(n)]
    base, rem = divmod(shape[axis], n)
    return [KerasTensor(shape[:axis] + [base + (i < rem)] + shape[axis + 1:], _std(x)) for i in range(n)]


def meshgrid_spec(*x, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for `indexing` are 'xy' and 'ij'. Received: indexing={indexing}")
    sizes = []
    for xi in x:
        s = shape_of(xi)
        sizes.append(1 if not s else None if None in s else int(np.prod(s)))
    if indexing == "xy" and len(sizes) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    return [KerasTensor(sizes, _std(xi)) for xi in x]


def broadcast_to_spec(x, shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    broadcast_shapes(shape_of(x), shape)  # raises Keras's ValueError when incompatible
    return KerasTensor(shape, _std(x))


def diag_spec(x, k=0):
    shape = shape_of(x)
    if len(shape) == 1:
        n = None if shape[0] is None else shape[0] + abs(int(k))
        return KerasTensor((n, n), _std(x))
    if len(shape) == 2:
        if None in shape:
            return KerasTensor((None,), _std(x))
        n, m = shape
        k = int(k)
        size = max(0, min(n, m - k) if k >= 0 else min(n + k, m))
        return KerasTensor((size,), _std(x))
    raise ValueError(f"`x` must be 1d or 2d. Received: x.shape={shape}")


def slice_spec(inputs, start_indices, shape):
    from torchkeras.ops.core import _check_slice
    in_shape = shape_of(inputs)
    _check_slice(in_shape, start_indices, shape)
    out = []
    for i, (d, n) in enumerate(zip(in_shape, shape)):
        if n != -1:
            out.append(n)
        elif isinstance(start_indices, KerasTensor) or d is None:
            out.append(None)
        else:
            out.append(d - int(start_indices[i]))
    return KerasTensor(out, _std(inputs))


def slice_update_spec(inputs, start_indices, updates):
    return KerasTensor(shape_of(inputs), _std(inputs))
