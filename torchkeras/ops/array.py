"""keras.ops shape manipulation, indexing and tensor creation (NumPy names and defaults)."""

import torch

from torchkeras.ops._common import check_axis, dtype_of, floatx_dtype, op, pair, tensor


def _shape(shape):
    if isinstance(shape, (int, torch.SymInt)) or (hasattr(shape, "ndim") and getattr(shape, "ndim") == 0):
        return (int(shape),)
    return tuple(-1 if d is None else int(d) for d in shape)


@op
def reshape(x, newshape):
    return torch.reshape(tensor(x), _shape(newshape))


@op
def transpose(x, axes=None):
    x = tensor(x)
    if axes is None:
        axes = tuple(range(x.dim() - 1, -1, -1))
    return torch.permute(x, tuple(int(a) for a in axes))


@op
def swapaxes(x, axis1, axis2):
    return torch.transpose(tensor(x), int(axis1), int(axis2))


@op
def moveaxis(x, source, destination):
    return torch.movedim(tensor(x), source, destination)


@op
def expand_dims(x, axis):
    x = tensor(x)
    axis = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    out_ndim = x.dim() + len(axis)
    for a in axis:
        if not -out_ndim <= int(a) < out_ndim:
            raise ValueError(f"axis {a} is out of bounds for the expanded array of dimension {out_ndim}.")
    # numpy: axes index the *output*; insert from the smallest so later positions stay valid.
    for a in sorted(int(a) % out_ndim for a in axis):
        x = torch.unsqueeze(x, a)
    return x


@op
def squeeze(x, axis=None):
    x = tensor(x)
    if axis is None:
        return torch.squeeze(x)
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else (int(axis),)
    for d in dims:
        if x.shape[d] != 1:
            raise ValueError(f"Cannot squeeze axis {d} of a tensor of shape {tuple(x.shape)}: its size is not 1.")
    return torch.squeeze(x, dims)


@op
def concatenate(xs, axis=0):
    if axis is None:
        raise ValueError("concatenate: `axis` must be an int (Keras does not flatten with axis=None). "
                         "Received: axis=None")
    from torchkeras.ops._common import promote
    return torch.cat(promote(*xs), dim=int(axis))


@op
def stack(x, axis=0):
    return torch.stack([tensor(t) for t in x], dim=int(axis))


@op
def split(x, indices_or_sections, axis=0):
    x = tensor(x)
    if isinstance(indices_or_sections, int) and x.shape[axis] % indices_or_sections:
        raise ValueError(f"split: axis {axis} of size {x.shape[axis]} cannot be divided into "
                         f"{indices_or_sections} equal sections.")
    return list(torch.tensor_split(x, indices_or_sections, dim=int(axis)))


@op
def where(condition, x1=None, x2=None):
    condition = tensor(condition).bool()
    if x1 is None and x2 is None:
        return tuple(i.to(torch.int32) for i in torch.nonzero(condition, as_tuple=True))
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` either both should be `None` or both should have non-None value "
                         "(with neither, the indices where `condition` holds are returned).")
    a, b = pair(x1, x2)
    return torch.where(condition, a, b)


@op
def tile(x, repeats):
    return torch.tile(tensor(x), tuple(repeats) if isinstance(repeats, (list, tuple)) else (int(repeats),))


@op
def repeat(x, repeats, axis=None):
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if not isinstance(repeats, int):
        repeats = tensor(repeats).to(torch.int64)
    return torch.repeat_interleave(x, repeats, dim=int(axis))


@op
def flip(x, axis=None):
    x = tensor(x)
    dims = tuple(range(x.dim())) if axis is None else (tuple(axis) if isinstance(axis, (list, tuple)) else (axis,))
    return torch.flip(x, dims)


@op
def take(x, indices, axis=None):
    x = tensor(x)
    indices = tensor(indices, like=x).to(torch.int64)
    if axis is None:
        return x.reshape(-1)[indices]
    axis = check_axis(axis, x.dim())
    out = torch.movedim(x, axis, 0)[indices]
    k = indices.dim()
    return torch.movedim(out, tuple(range(k)), tuple(range(axis, axis + k)))


@op
def take_along_axis(x, indices, axis=None):
    x = tensor(x)
    return torch.take_along_dim(x, tensor(indices, like=x).to(torch.int64), dim=axis)


@op
def sort(x, axis=-1):
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.sort(x, dim=check_axis(axis, x.dim())).values


@op
def argsort(x, axis=-1):
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.argsort(x, dim=check_axis(axis, x.dim()), stable=True).to(torch.int32)


@op
def top_k(x, k, sorted=True):
    out = torch.topk(tensor(x), int(k), dim=-1, sorted=sorted)
    return out.values, out.indices.to(torch.int32)


@op
def broadcast_to(x, shape):
    return torch.broadcast_to(tensor(x), _shape(shape))


@op
def pad(x, pad_width, mode="constant", constant_values=None):
    if constant_values is not None and mode != "constant":
        raise ValueError("Argument `constant_values` can only be provided when `mode == 'constant'`. "
                         f"Received: mode={mode}")
    x = tensor(x)
    widths = _pad_widths(pad_width, x.shape)
    # torch.nn.functional.pad lists (before, after) pairs from the LAST axis backwards.
    flat = [int(v) for pair_ in reversed(widths) for v in pair_]
    if mode == "constant":
        return torch.nn.functional.pad(x, flat, value=constant_values or 0)
    mode = "wrap" if mode == "circular" else mode
    if mode not in ("reflect", "symmetric", "edge", "wrap"):
        raise ValueError(f"pad: `mode` must be one of 'constant', 'reflect', 'symmetric', 'edge', 'wrap', "
                         f"'circular'. Received: mode={mode!r}")
    # Gather along each axis with numpy's index rule for the mode (any rank, any axis).
    for axis, (before, after) in enumerate(widths):
        if before or after:
            idx = _pad_index(x.shape[axis], int(before), int(after), mode, x.device)
            x = torch.index_select(x, axis, idx)
    return x


def _pad_widths(pad_width, shape):
    """Keras's pad_width forms: n, (before, after), ((b, a),), (n,) or one pair per axis."""
    if hasattr(pad_width, "tolist"):
        pad_width = pad_width.tolist()
    if isinstance(pad_width, int):
        pad_width = ((pad_width, pad_width),)
    elif isinstance(pad_width[0], int):
        pad_width = (tuple(pad_width),)
    widths = []
    for pw in pad_width:
        pw = tuple(pw)
        if len(pw) not in (1, 2) or len(pw) != len(tuple(pad_width[0])):
            raise ValueError(f"`pad_width` should be a list of tuples of length 1 or 2. Received: pad_width={pad_width}")
        widths.append(pw * 2 if len(pw) == 1 else pw)
    if len(widths) == 1:
        return widths * len(shape)
    if len(widths) != len(shape):
        raise ValueError(f"`pad_width` must have the same length as `x.shape`. Received: pad_width={pad_width} "
                         f"(of length {len(widths)}) and x.shape={tuple(shape)} (of length {len(shape)})")
    return widths


def _pad_index(n, before, after, mode, device):
    i = torch.arange(-before, n + after, device=device)
    if mode == "edge":
        return i.clamp(0, n - 1)
    if mode == "wrap":
        return i % n
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        i = i.abs() % period
        return torch.where(i >= n, period - i, i)
    period = 2 * n
    i = torch.where(i < 0, -i - 1, i) % period
    return torch.where(i >= n, period - 1 - i, i)


@op
def tril(x, k=0):
    return torch.tril(tensor(x), diagonal=k)


@op
def triu(x, k=0):
    return torch.triu(tensor(x), diagonal=k)


# -- creation: these take no tensor argument; they follow torch's default device --------------
def zeros(shape, dtype=None):
    return torch.zeros(_shape(shape), dtype=dtype_of(dtype) or floatx_dtype())


def ones(shape, dtype=None):
    return torch.ones(_shape(shape), dtype=dtype_of(dtype) or floatx_dtype())


def full(shape, fill_value, dtype=None):
    dtype = dtype_of(dtype) or floatx_dtype()
    if isinstance(fill_value, (bool, int, float)):
        return torch.full(_shape(shape), fill_value, dtype=dtype)
    return torch.broadcast_to(tensor(fill_value).to(dtype), _shape(shape)).clone()


def eye(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    hit = torch.arange(int(M))[None, :] - torch.arange(int(N))[:, None] == int(k)
    return hit.to(dtype_of(dtype) or floatx_dtype())


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def arange(start, stop=None, step=None, dtype=None):
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        is_int = all(isinstance(v, int) for v in (start, stop, step))
        dtype = torch.int32 if is_int else floatx_dtype()
    return torch.arange(start, stop, step, dtype=dtype_of(dtype))


@op
def zeros_like(x, dtype=None):
    return torch.zeros_like(tensor(x), dtype=dtype_of(dtype))


@op
def ones_like(x, dtype=None):
    return torch.ones_like(tensor(x), dtype=dtype_of(dtype))


@op
def full_like(x, fill_value, dtype=None):
    x = tensor(x)
    if isinstance(fill_value, (bool, int, float)):
        return torch.full_like(x, fill_value, dtype=dtype_of(dtype))
    fill = tensor(fill_value).to(device=x.device, dtype=dtype_of(dtype) or x.dtype)
    return torch.broadcast_to(fill, x.shape).clone()
