"""More tf.* tensor ops: sorting, masking, padding, clipping, scatter, and small helpers."""

import builtins

import numpy as np
import torch

from torchkeras.porting.tf._core import InvalidArgumentError, convert, torch_dtype, unify
from torchkeras.porting.tf.array_ops import _ints


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    x = convert(values)
    _check_direction(direction)
    return torch.argsort(x, dim=int(axis), descending=direction == "DESCENDING", stable=True).to(torch.int32)


def sort(values, axis=-1, direction="ASCENDING", name=None):
    x = convert(values)
    _check_direction(direction)
    return torch.sort(x, dim=int(axis), descending=direction == "DESCENDING", stable=True).values


def _check_direction(direction):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"`direction` should be one of ['ASCENDING', 'DESCENDING']; received {direction!r}.")


def boolean_mask(tensor, mask, axis=None, name=None):
    t, m = convert(tensor), convert(mask)
    axis = 0 if axis is None else int(axis) % t.dim()
    if m.dim() == 0:
        raise ValueError("mask cannot be scalar.")
    if tuple(t.shape[axis:axis + m.dim()]) != tuple(m.shape):
        raise ValueError(f"Shapes {tuple(t.shape[axis:axis + m.dim()])} and {tuple(m.shape)} are incompatible")
    flat = t.reshape(*t.shape[:axis], -1, *t.shape[axis + m.dim():])
    return flat.index_select(axis, torch.nonzero(m.reshape(-1).bool()).reshape(-1))


def sequence_mask(lengths, maxlen=None, dtype="bool", name=None):
    lens = convert(lengths)
    maxlen = int(lens.max()) if maxlen is None else int(convert(maxlen))
    mask = torch.arange(maxlen) < lens.unsqueeze(-1)
    return mask.to(torch_dtype(dtype))


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    t = convert(tensor)
    p = convert(paddings).long().tolist() if isinstance(paddings, torch.Tensor) else [list(r) for r in paddings]
    if len(p) != t.dim():
        raise InvalidArgumentError(f"The first dimension of paddings must be the rank of inputs[{len(p)},2], "
                                   f"input rank {t.dim()} [Op:PadV2]")
    mode = mode.upper()
    if mode == "CONSTANT":
        flat = [int(v) for pair in reversed(p) for v in pair]
        value = convert(constant_values).item() if isinstance(constant_values, torch.Tensor) else constant_values
        return torch.nn.functional.pad(t, flat, value=value)
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f"Value of argument `mode` expected to be one of \"CONSTANT\", \"REFLECT\", or "
                         f"\"SYMMETRIC\". Received `mode` = {mode}")
    out = t
    for dim, (before, after) in enumerate(p):
        if before or after:
            index = np.pad(np.arange(t.shape[dim]), (int(before), int(after)), mode=mode.lower())
            out = out.index_select(dim, torch.from_numpy(index))
    return out


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    x, lo, hi = unify("ClipByValue", t, clip_value_min, clip_value_max)
    return torch.minimum(torch.maximum(x, lo), hi)


def reverse(tensor, axis, name=None):
    return torch.flip(convert(tensor), dims=tuple(_ints(axis)))


def broadcast_to(input, shape, name=None):
    return convert(input).expand(_ints(shape)).clone()


def broadcast_static_shape(shape_x, shape_y):
    from torchkeras.porting.tf.shape import TensorShape
    return TensorShape(torch.broadcast_shapes(tuple(shape_x), tuple(shape_y)))


def broadcast_dynamic_shape(shape_x, shape_y):
    return torch.tensor(torch.broadcast_shapes(tuple(_ints(shape_x)), tuple(_ints(shape_y))), dtype=torch.int32)


def roll(input, shift, axis, name=None):
    return torch.roll(convert(input), shifts=tuple(_ints(shift)), dims=tuple(_ints(axis)))


def repeat(input, repeats, axis=None, name=None):
    t = convert(input)
    r = convert(repeats)
    if axis is None:
        t, axis = t.reshape(-1), 0
    return torch.repeat_interleave(t, r.long() if r.dim() else int(r), dim=int(axis))


def meshgrid(*args, **kwargs):
    indexing = kwargs.pop("indexing", "xy")
    return list(torch.meshgrid(*[convert(a) for a in args], indexing=indexing))


def unique(x, out_idx="int32", name=None):
    """tf.unique: values in order of first occurrence (not sorted, unlike torch.unique)."""
    t = convert(x)
    vals, inverse = torch.unique(t, sorted=True, return_inverse=True)
    first = torch.full((vals.numel(),), t.numel(), dtype=torch.long).scatter_reduce_(
        0, inverse, torch.arange(t.numel()), reduce="amin")
    order = torch.argsort(first)
    rank = torch.empty_like(order).scatter_(0, order, torch.arange(order.numel()))
    return _Unique(vals[order], rank[inverse].to(torch_dtype(out_idx)))


class _Unique(tuple):
    def __new__(cls, y, idx):
        return super().__new__(cls, (y, idx))

    y = property(lambda self: self[0])
    idx = property(lambda self: self[1])


def searchsorted(sorted_sequence, values, side="left", out_type="int32", name=None):
    return torch.searchsorted(convert(sorted_sequence), convert(values), right=side == "right").to(
        torch_dtype(out_type))


def scatter_nd(indices, updates, shape, name=None):
    u = convert(updates)
    out = torch.zeros(_ints(shape), dtype=u.dtype)
    return tensor_scatter_nd_add(out, indices, u)


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    t, idx, u = convert(tensor).clone(), convert(indices).long(), convert(updates)
    t[tuple(idx[..., k] for k in range(idx.shape[-1]))] = u.to(t.dtype)
    return t


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    t, idx, u = convert(tensor).clone(), convert(indices).long(), convert(updates)
    t.index_put_(tuple(idx[..., k] for k in range(idx.shape[-1])), u.to(t.dtype), accumulate=True)
    return t


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    return tensor_scatter_nd_add(tensor, indices, -convert(updates))


def slice(input_, begin, size, name=None):
    t = convert(input_)
    out = t
    for d, (b, s) in enumerate(zip(_ints(begin), _ints(size))):
        out = out.narrow(d, b, t.shape[d] - b if s == -1 else s)
    return out


def strided_slice(input_, begin, end, strides=None, name=None, **kwargs):
    t = convert(input_)
    strides = _ints(strides) if strides is not None else [1] * len(_ints(begin))
    return t[tuple(builtins.slice(b, e, s) for b, e, s in zip(_ints(begin), _ints(end), strides))]


def ensure_shape(x, shape, name=None):
    t = convert(x)
    dims = list(shape) if shape is not None else None
    if dims is not None and (len(dims) != t.dim() or any(d is not None and d != s for d, s in zip(dims, t.shape))):
        raise InvalidArgumentError(f"Shape of tensor {tuple(t.shape)} is not compatible with expected shape "
                                   f"{tuple(dims)}.")
    return t


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    t = convert(tensor)
    if ord == "euclidean":
        ord = 2 if axis is None or isinstance(axis, int) or len(axis) == 1 else "fro"
    if axis is None:
        return torch.linalg.vector_norm(t.reshape(-1), ord=2 if ord in ("fro", 2) else ord).reshape(
            [1] * t.dim() if keepdims else [])
    if isinstance(axis, int) or len(axis) == 1:
        return torch.linalg.vector_norm(t, ord=ord, dim=_ints(axis)[0], keepdim=bool(keepdims))
    return torch.linalg.matrix_norm(t, ord=ord, dim=tuple(_ints(axis)), keepdim=bool(keepdims))


def tensordot(a, b, axes, name=None):
    x, y = unify("MatMul", a, b)
    return torch.tensordot(x, y, dims=axes if isinstance(axes, int) else [list(_ints(ax)) for ax in axes])


def einsum(equation, *inputs, **kwargs):
    return torch.einsum(equation, *unify("Einsum", *inputs))


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
           b_is_sparse=False, output_type=None, name=None):
    x, y = unify("MatMul", a, b)
    if x.dim() < 2 or y.dim() < 2:
        raise InvalidArgumentError(f"In[0] and In[1] has different ndims: {list(x.shape)} vs. {list(y.shape)} "
                                   "[Op:MatMul]" if x.dim() != y.dim() else
                                   f"In[0] ndims must be >= 2: {x.dim()} [Op:MatMul]")
    if transpose_a or adjoint_a:
        x = x.transpose(-1, -2).conj() if adjoint_a else x.transpose(-1, -2)
    if transpose_b or adjoint_b:
        y = y.transpose(-1, -2).conj() if adjoint_b else y.transpose(-1, -2)
    if x.shape[-1] != y.shape[-2]:
        raise InvalidArgumentError(f"Matrix size-incompatible: In[0]: {list(x.shape)}, In[1]: {list(y.shape)} "
                                   "[Op:MatMul]")
    return torch.matmul(x, y)
