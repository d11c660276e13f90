"""tf.* tensor creation and manipulation ops (shape, reshape, concat, gather, where, pad, ...)."""

import builtins

import numpy as np
import torch

from torchkeras.porting.tf._core import (
    InvalidArgumentError,
    as_dtype,
    convert,
    dtype_of,
    float32,
    torch_dtype,
    unify,
)
from torchkeras.porting.tf.strings_array import StringTensor


def _ints(v):
    """A shape / list of ints from a list, tuple, TensorShape or int tensor."""
    if isinstance(v, torch.Tensor):
        return [int(i) for i in v.reshape(-1).tolist()]
    if isinstance(v, (int, np.integer)):
        return [int(v)]
    return [int(i) for i in v]


def constant(value, dtype=None, shape=None, name=None):
    """tf.constant: Python floats -> float32, ints -> int32; numpy keeps its dtype; `shape` broadcasts a
    scalar or reshapes a value with as many elements."""
    if isinstance(value, torch.Tensor):
        t = value if dtype is None else value.to(torch_dtype(dtype))
    else:
        t = convert(value, dtype)
    if shape is not None:
        shape = _ints(shape)
        n = int(np.prod(shape)) if shape else 1
        if t.numel() == n:
            t = t.reshape(shape)
        elif t.numel() == 1:
            t = (t.reshape(()).expand(shape) if isinstance(t, torch.Tensor) else np.broadcast_to(t, shape))
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor {value!r} (converted "
                            f"from {value!r}) has {t.numel() if isinstance(t, torch.Tensor) else t.size} elements,"
                            f" but got `shape` {tuple(shape)} with {n} elements).")
        t = t.clone() if isinstance(t, torch.Tensor) else StringTensor.of(np.array(t))
    return t


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    if dtype is None and dtype_hint is not None and not isinstance(value, torch.Tensor):
        try:
            return convert(value, dtype_hint)
        except (TypeError, ValueError):
            pass
    return convert(value, dtype)


def cast(x, dtype, name=None):
    target = as_dtype(dtype)
    t = convert(x)
    if isinstance(t, StringTensor) or target.name == "string":
        raise InvalidArgumentError("Cast string to float is not supported" if isinstance(t, StringTensor)
                                   else "Cast to string is not supported; use tf.strings.as_string.")
    if t.is_complex() and not target.is_complex:
        t = t.real
    return t.to(target.torch)


saturate_cast = cast


def identity(input, name=None):
    t = convert(input)
    return t.clone() if isinstance(t, torch.Tensor) else t


def shape(input, out_type="int32", name=None):
    t = convert(input)
    return torch.tensor(list(t.shape), dtype=torch_dtype(out_type))


def shape_n(input, out_type="int32", name=None):
    return [shape(t, out_type) for t in input]


def size(input, out_type="int32", name=None):
    t = convert(input)
    return torch.tensor(int(np.prod(t.shape)), dtype=torch_dtype(out_type))


def rank(input, name=None):
    return torch.tensor(len(convert(input).shape), dtype=torch.int32)


def reshape(tensor, shape, name=None):
    t = convert(tensor)
    dims = _ints(shape)
    n = int(np.prod(t.shape))
    known = int(np.prod([d for d in dims if d != -1])) if dims else 1
    if (-1 not in dims and known != n) or (-1 in dims and (known == 0 or n % known)):
        raise InvalidArgumentError(f"Input to reshape is a tensor with {n} values, but the requested shape "
                                   f"has {known} [Op:Reshape]")
    return t.reshape(dims)


def expand_dims(input, axis, name=None):
    t = convert(input)
    axis = int(axis)
    if not -t.dim() - 1 <= axis <= t.dim():
        raise InvalidArgumentError(f"Tried to expand dim index {axis} for tensor with {t.dim()} dimensions.")
    return t.unsqueeze(axis) if isinstance(t, torch.Tensor) else np.expand_dims(t, axis).view(StringTensor)


def squeeze(input, axis=None, name=None):
    t = convert(input)
    if axis is None or axis == []:
        return t.squeeze() if isinstance(t, torch.Tensor) else np.squeeze(t)
    axes = _ints(axis)
    for a in axes:
        if t.shape[a] != 1:
            raise InvalidArgumentError(f"Can not squeeze dim[{a % t.dim()}], expected a dimension of 1, "
                                       f"got {t.shape[a]} [Op:Squeeze]")
    return t.squeeze(tuple(a % t.dim() for a in axes))


def transpose(a, perm=None, conjugate=False, name=None):
    t = convert(a)
    perm = list(range(t.dim()))[::-1] if perm is None else _ints(perm)
    out = t.permute(perm)
    return out.conj() if conjugate else out


def concat(values, axis, name=None):
    tensors = _same_dtype("ConcatV2", values)
    if any(t.dim() == 0 for t in tensors):
        raise InvalidArgumentError("Can't concatenate scalars (use tf.stack instead) [Op:ConcatV2]")
    return torch.cat(tensors, dim=int(axis))


def stack(values, axis=0, name=None):
    return torch.stack(_same_dtype("Pack", values), dim=int(axis))


def _same_dtype(op, values):
    """List ops: the first tensor in the list fixes the dtype; Python / numpy values convert to it."""
    values = list(values)
    first = next((i for i, v in enumerate(values) if isinstance(v, torch.Tensor)), 0)
    ordered = unify(op, values[first], *(v for i, v in enumerate(values) if i != first))
    return ordered[1:first + 1] + [ordered[0]] + ordered[first + 1:]


def unstack(value, num=None, axis=0, name=None):
    return list(torch.unbind(convert(value), dim=int(axis)))


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    t = convert(value)
    axis = int(axis)
    if isinstance(num_or_size_splits, (int, np.integer)) or (
            isinstance(num_or_size_splits, torch.Tensor) and num_or_size_splits.dim() == 0):
        n = int(num_or_size_splits)
        if t.shape[axis] % n:
            raise InvalidArgumentError(f"Number of ways to split should evenly divide the split dimension, but got "
                                       f"split_dim {axis} (size = {t.shape[axis]}) and num_split {n} [Op:Split]")
        return list(torch.split(t, t.shape[axis] // n, dim=axis))
    sizes = _ints(num_or_size_splits)
    if -1 in sizes:
        sizes[sizes.index(-1)] = t.shape[axis] - (builtins.sum(sizes) + 1)
    if builtins.sum(sizes) != t.shape[axis]:
        raise InvalidArgumentError(f"Determined shape must either match input shape along split_dim exactly if "
                                   f"fully specified, or be less than the size of the input along split_dim if not "
                                   f"fully specified.  Got: {builtins.sum(sizes)} [Op:SplitV]")
    return list(torch.split(t, sizes, dim=axis))


def tile(input, multiples, name=None):
    t = convert(input)
    m = _ints(multiples)
    if len(m) != t.dim():
        raise InvalidArgumentError(f"Expected multiples argument to be a vector of length {t.dim()} but got "
                                   f"length {len(m)} [Op:Tile]")
    return t.repeat(m)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    p, idx = convert(params), convert(indices)
    axis = batch_dims if axis is None else int(axis) % p.dim()
    batch_dims = int(batch_dims) % idx.dim() if batch_dims and idx.dim() else 0
    if batch_dims:
        return torch.stack([gather(p[i], idx[i], axis=axis - 1, batch_dims=batch_dims - 1)
                            for i in range(p.shape[0])])
    flat = idx.reshape(-1).long()
    if flat.numel() and (flat.min() < 0 or flat.max() >= p.shape[axis]):
        bad = int(flat[(flat < 0) | (flat >= p.shape[axis])][0])
        raise InvalidArgumentError(f"indices = {bad} is not in [0, {p.shape[axis]}) [Op:GatherV2]")
    out = p.index_select(axis, flat) if isinstance(p, torch.Tensor) else np.take(p, flat.numpy(), axis)
    return out.reshape(*p.shape[:axis], *idx.shape, *p.shape[axis + 1:])


def gather_nd(params, indices, batch_dims=0, name=None):
    p, idx = convert(params), convert(indices).long()
    if batch_dims:
        return torch.stack([gather_nd(p[i], idx[i], batch_dims - 1) for i in range(p.shape[0])])
    depth = idx.shape[-1]
    for k in range(depth):
        if idx.numel() and (idx[..., k].min() < 0 or idx[..., k].max() >= p.shape[k]):
            raise InvalidArgumentError(f"indices{list(idx.shape)} is not in [0, {p.shape[k]}) [Op:GatherNd]")
    return p[tuple(idx[..., k] for k in range(depth))]


def where(condition, x=None, y=None, name=None):
    c = convert(condition)
    if x is None and y is None:
        return torch.nonzero(c if c.dtype == torch.bool else c != 0)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    if c.dtype != torch.bool:
        raise InvalidArgumentError(f"cannot compute SelectV2 as input #0(zero-based) was expected to be a bool "
                                   f"tensor but is a {dtype_of(c).name} tensor [Op:SelectV2]")
    a = convert(x)
    if not isinstance(y, torch.Tensor) and not isinstance(a, StringTensor):
        arr = np.asarray(y)
        if arr.dtype.kind == "f" and not a.is_floating_point():
            raise TypeError(f"Cannot convert {y!r} to EagerTensor of dtype {dtype_of(a).name}")
    a, b = unify("SelectV2", a, y)
    return torch.where(c, a, b)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    idx = convert(indices).long()
    if dtype is None:
        dtype = dtype_of(on_value) if on_value is not None else (
            dtype_of(off_value) if off_value is not None else float32)
    td = torch_dtype(dtype)
    depth = int(depth)
    valid = (idx >= 0) & (idx < depth)
    hot = torch.nn.functional.one_hot(torch.where(valid, idx, 0), depth) * valid.unsqueeze(-1)
    on = torch.tensor(1 if on_value is None else convert(on_value).item(), dtype=td)
    off = torch.tensor(0 if off_value is None else convert(off_value).item(), dtype=td)
    out = torch.where(hot.bool(), on, off)
    if axis is not None and axis != -1:
        out = out.movedim(-1, int(axis))
    return out


def _range_dtype(*values):
    kinds = [dtype_of(v) for v in values if v is not None]
    for preferred in ("float64", "float32", "int64"):
        if any(k.name == preferred for k in kinds):
            return preferred
    return "float32" if any(k.is_floating for k in kinds) else "int32"


def range(start, limit=None, delta=1, dtype=None, name="range"):
    if limit is None:
        start, limit = 0, start
    vals = [convert(v).item() if isinstance(v, torch.Tensor) else v for v in (start, limit, delta)]
    td = torch_dtype(dtype or _range_dtype(start, limit, delta))
    if vals[2] == 0:
        raise InvalidArgumentError("Requires delta != 0: 0 [Op:Range]")
    return torch.arange(vals[0], vals[1], vals[2], dtype=torch.float64).to(td) if td.is_floating_point else \
        torch.arange(int(vals[0]), int(vals[1]), int(vals[2]), dtype=td)


def zeros(shape, dtype=float32, name=None, layout=None):
    return torch.zeros(_ints(shape), dtype=torch_dtype(dtype))


def ones(shape, dtype=float32, name=None, layout=None):
    return torch.ones(_ints(shape), dtype=torch_dtype(dtype))


def zeros_like(input, dtype=None, name=None, layout=None):
    t = convert(input)
    return torch.zeros_like(t, dtype=torch_dtype(dtype) if dtype is not None else t.dtype)


def ones_like(input, dtype=None, name=None, layout=None):
    t = convert(input)
    return torch.ones_like(t, dtype=torch_dtype(dtype) if dtype is not None else t.dtype)


def fill(dims, value, name=None, layout=None):
    v = convert(value)
    return torch.full(_ints(dims), v.item(), dtype=v.dtype)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=float32, name=None):
    out = torch.eye(int(num_rows), int(num_columns or num_rows), dtype=torch_dtype(dtype))
    if batch_shape is not None:
        out = out.expand(*_ints(batch_shape), *out.shape).clone()
    return out


def linspace(start, stop, num, name=None, axis=0):
    s = convert(start)
    e = convert(stop, s.dtype) if not isinstance(stop, torch.Tensor) else stop
    dtype = s.dtype if s.is_floating_point() else torch.float64
    s, e = s.to(dtype), e.to(dtype)
    n = int(num)
    steps = torch.arange(n, dtype=torch.float64) / builtins.max(n - 1, 1)
    shape = [n] + [1] * s.dim()
    out = (s.double() + (e.double() - s.double()) * steps.reshape(shape)).to(dtype)
    if n > 1:
        out[-1] = e
    return out.movedim(0, int(axis)) if axis else out


lin_space = linspace
