"""keras.ops.numpy shape manipulation: stacking, splitting, flipping, diagonals, indexing helpers."""

import torch

from torchkeras.keras_tensor import KerasTensor
from torchkeras.ops._common import dtype_of, floatx_dtype, op, promote, tensor


def _tensors(xs):
    return promote(*xs) if len(xs) > 1 else [tensor(xs[0])]


@op
def append(x1, x2, axis=None):
    a, b = promote(x1, x2)
    if axis is None:
        return torch.cat([a.reshape(-1), b.reshape(-1)])
    return torch.cat([a, b], dim=int(axis))


@op
def hstack(xs):
    return torch.hstack(_tensors(list(xs)))


@op
def vstack(xs):
    return torch.vstack(_tensors(list(xs)))


@op
def dstack(xs):
    return torch.dstack(_tensors(list(xs)))


def _sections(x, indices_or_sections, axis):
    if isinstance(indices_or_sections, (list, tuple)):
        return list(torch.tensor_split(x, [int(i) for i in indices_or_sections], dim=axis))
    return list(torch.tensor_split(x, int(indices_or_sections), dim=axis))


@op
def array_split(x, indices_or_sections, axis=0):
    """Split into sections of sizes differing by at most one (numpy.array_split)."""
    return _sections(tensor(x), indices_or_sections, int(axis))


def _even_split(x, indices_or_sections, axis, name):
    if not isinstance(indices_or_sections, (list, tuple)) and x.shape[axis] % int(indices_or_sections):
        raise ValueError(f"{name}: array split does not result in an equal division: axis {axis} of size "
                         f"{x.shape[axis]} into {indices_or_sections} sections.")
    return _sections(x, indices_or_sections, axis)


@op
def hsplit(x, indices_or_sections):
    x = tensor(x)
    return _even_split(x, indices_or_sections, 0 if x.dim() == 1 else 1, "hsplit")


@op
def vsplit(x, indices_or_sections):
    return _even_split(tensor(x), indices_or_sections, 0, "vsplit")


@op
def dsplit(x, indices_or_sections):
    x = tensor(x)
    if x.dim() < 3:
        raise ValueError(f"dsplit only works on arrays of 3 or more dimensions. Received: x.shape={tuple(x.shape)}")
    return _even_split(x, indices_or_sections, 2, "dsplit")


def unstack(x, num=None, axis=0):
    shape = getattr(x, "shape", None)
    if shape is not None and not -len(shape) <= int(axis) < len(shape):
        raise ValueError(f"unstack: axis {axis} is out of bounds for a tensor of rank {len(shape)}.")
    if isinstance(x, KerasTensor) and num is None and shape[axis] is None:
        raise ValueError(f"Cannot infer argument `num` from shape {shape} along axis {axis}: the size is "
                         "unknown. Pass `num` explicitly.")
    return _unstack(x, num=num, axis=axis)


@op
def _unstack(x, num=None, axis=0):
    x = tensor(x)
    if x.is_meta and num is not None:  # unknown dim during symbolic recording: `num` decides
        return [x.select(int(axis), 0)] * int(num)
    if num is not None and int(num) != x.shape[axis]:
        raise ValueError(f"unstack: `num` ({num}) must equal the size of axis {axis} ({x.shape[axis]}).")
    return list(torch.unbind(x, dim=int(axis)))


@op
def fliplr(x):
    return torch.flip(tensor(x), (1,))


@op
def flipud(x):
    return torch.flip(tensor(x), (0,))


@op
def rot90(array, k=1, axes=(0, 1)):
    array = tensor(array)
    if array.dim() < 2:
        raise ValueError(f"Input array must have at least 2 dimensions. Received: array.ndim={array.dim()}")
    if len(axes) != 2 or axes[0] % array.dim() == axes[1] % array.dim():
        raise ValueError(f"Invalid axes: {axes}. Axes must be a tuple of two different dimensions.")
    return torch.rot90(array, int(k), [int(a) for a in axes])


@op
def roll(x, shift, axis=None):
    x = tensor(x)
    if axis is None:
        return torch.roll(x.reshape(-1), shift).reshape(x.shape)
    if isinstance(axis, (list, tuple)) and isinstance(shift, int):
        shift = (shift,) * len(axis)  # numpy: one shift for every listed axis
    return torch.roll(x, shift, axis)


@op
def ravel(x):
    return tensor(x).reshape(-1)


@op
def diag(x, k=0):
    x = tensor(x)
    if x.dim() not in (1, 2):
        raise ValueError(f"`x` must be 1d or 2d. Received: x.shape={tuple(x.shape)}")
    return torch.diag(x, int(k))


@op
def diagflat(x, k=0):
    return torch.diagflat(tensor(x), int(k))


@op
def diagonal(x, offset=0, axis1=0, axis2=1):
    return torch.diagonal(tensor(x), int(offset), int(axis1), int(axis2))


@op
def trace(x, offset=0, axis1=0, axis2=1):
    x = tensor(x)
    dt = {torch.bool: torch.int32, torch.int8: torch.int32, torch.int16: torch.int32,
          torch.uint8: torch.uint32, torch.uint16: torch.uint32}.get(x.dtype, x.dtype)
    diag_ = torch.diagonal(x, int(offset), int(axis1), int(axis2))
    if not (x.is_floating_point() or x.is_complex()):
        diag_ = diag_.to(torch.int64)
    return torch.sum(diag_, dim=-1).to(dt)


@op
def diff(a, n=1, axis=-1):
    a = tensor(a)
    if int(n) == 0:
        return a
    return torch.diff(a, n=int(n), dim=int(axis))


@op
def get_item(x, key):
    x = tensor(x)
    if isinstance(key, torch.Tensor) and key.dtype != torch.bool:
        key = key.to(torch.int64)
    if isinstance(key, tuple) and sum(k is Ellipsis for k in key) > 1:
        raise ValueError(f"An index can only have a single ellipsis ('...'). Received: key={key}")
    return x[key]


@op
def meshgrid(*x, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for `indexing` are 'xy' and 'ij'. Received: indexing={indexing}")
    return list(torch.meshgrid(*[tensor(t) for t in x], indexing=indexing))


def size(x):
    """The number of elements, as an int32 scalar tensor."""
    from torchkeras.keras_tensor import KerasTensor
    if isinstance(x, KerasTensor):
        if any(d is None for d in x.shape):
            return op(lambda t: torch.tensor(t.numel(), dtype=torch.int32, device=t.device))(x)
        n = 1
        for d in x.shape:
            n *= d
        return torch.tensor(n, dtype=torch.int32)
    return torch.tensor(tensor(x).numel(), dtype=torch.int32)


def tri(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    return torch.tril(torch.ones((int(N), int(M)), dtype=dtype_of(dtype) or floatx_dtype()), int(k))


@op
def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("condlist and choicelist must have the same length. Received: "
                         f"len(condlist)={len(condlist)}, len(choicelist)={len(choicelist)}")
    if not condlist:
        raise ValueError("select() requires at least one condition. Received: condlist=[]")
    choices = promote(*choicelist, default) if not isinstance(default, (int, float)) \
        else promote(*choicelist) + [default]
    out = choices[-1]
    if not isinstance(out, torch.Tensor):
        out = torch.tensor(out, dtype=choices[0].dtype, device=choices[0].device)
    for cond, choice in reversed(list(zip(condlist, choices[:-1]))):
        out = torch.where(tensor(cond).bool(), choice, out)
    return out


@op
def unravel_index(indices, shape):
    indices = tensor(indices)
    out = []
    for d in reversed([int(s) for s in shape]):
        out.append(torch.remainder(indices, d))
        indices = torch.div(indices, d, rounding_mode="floor")
    return tuple(reversed(out))


@op
def nonzero(x):
    return tuple(i.to(torch.int32) for i in torch.nonzero(tensor(x), as_tuple=True))


@op
def copy(x):
    return tensor(x).clone()


def array(x, dtype=None):
    from torchkeras.ops.core import convert_to_tensor
    return convert_to_tensor(x, dtype=dtype)


@op
def view(x, dtype=None):
    """Reinterpret the bytes of `x` as `dtype` (numpy.ndarray.view)."""
    x = tensor(x)
    return x if dtype is None else x.view(dtype_of(dtype))


def empty(shape, dtype=None):
    from torchkeras.ops.array import _shape
    return torch.empty(_shape(shape), dtype=dtype_of(dtype) or floatx_dtype())


@op
def empty_like(x, dtype=None):
    return torch.empty_like(tensor(x), dtype=dtype_of(dtype))
