"""keras.ops.numpy searching and counting: searchsorted, digitize, isin, bincount, histogram, unique,
argpartition."""

import torch

from torchkeras.keras_tensor import KerasTensor
from torchkeras.ops._common import op, promote, shape_of, spec_for, tensor


@op
def searchsorted(sorted_sequence, values, side="left"):
    if side not in ("left", "right"):
        raise ValueError(f"`side` must be either 'left' or 'right'. Received: side={side}")
    seq = tensor(sorted_sequence)
    if seq.dim() != 1:
        raise ValueError(f"`searchsorted` only supports 1-D sorted sequences. Received: "
                         f"sorted_sequence.shape={tuple(seq.shape)}")
    seq, vals = promote(seq, values)
    out_int32 = seq.numel() <= 2**31 - 1
    return torch.searchsorted(seq, vals, right=side == "right", out_int32=out_int32)


@spec_for(searchsorted)
def _searchsorted_spec(sorted_sequence, values, side="left"):
    seq_shape = shape_of(sorted_sequence)
    if len(seq_shape) != 1:
        raise ValueError(f"`searchsorted` only supports 1-D sorted sequences. Received: "
                         f"sorted_sequence.shape={seq_shape}")
    # An unknown length might exceed int32: Keras then returns int64 indices.
    dtype = "int32" if seq_shape[0] is not None and seq_shape[0] <= 2**31 - 1 else "int64"
    return KerasTensor(shape_of(values), dtype)


@op
def digitize(x, bins):
    x, bins = promote(x, bins)
    if bins.dim() != 1:
        raise ValueError(f"`bins` must be 1-D. Received: bins.shape={tuple(bins.shape)}")
    # numpy.digitize(right=False) is the count of bins <= x, i.e. a right-side search.
    return torch.bucketize(x, bins, right=True, out_int32=True)


@op
def isin(x1, x2, assume_unique=False, invert=False):
    a, b = promote(x1, x2)
    return torch.isin(a, b, assume_unique=assume_unique, invert=invert)


@op
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative int; a 2-D `x` counts each row (as Keras)."""
    if sparse:
        raise ValueError("bincount: torchkeras has no sparse tensors; pass sparse=False.")
    x = tensor(x).to(torch.int64)
    if weights is not None:
        weights = tensor(weights, like=x)
        dt = weights.dtype
        if dt in (torch.bool, torch.int8, torch.int16, torch.uint8, torch.uint16):
            dt = torch.int32
    else:
        dt = torch.int32
    length = _max(int(minlength), int(x.max()) + 1 if x.numel() else 0)
    if x.dim() == 1:
        w = None if weights is None else weights.to(torch.float64)
        return torch.bincount(x, weights=w, minlength=length).to(dt)
    if x.dim() != 2:
        raise ValueError(f"Input must be 1-D or 2-D. Received: x.shape={tuple(x.shape)}")
    w = torch.ones_like(x, dtype=torch.float64) if weights is None else weights.to(torch.float64)
    out = torch.zeros((x.shape[0], length), dtype=torch.float64, device=x.device)
    out.scatter_add_(1, x, w)
    return out.to(dt)


def _max(a, b):
    return a if a > b else b


@op
def histogram(x, bins=10, range=None):
    """Counts and bin edges of a 1-D `x` (numpy.histogram with an int `bins`)."""
    x = tensor(x)
    if x.dim() != 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: input.shape={tuple(x.shape)}")
    if not isinstance(bins, int) or bins <= 0:
        raise ValueError(f"Argument `bins` must be a positive integer. Received: bins={bins}")
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
        if lo > hi:
            raise ValueError(f"Argument `range` must satisfy range[0] <= range[1]. Received: range={range}")
    else:
        lo, hi = float(x.min()), float(x.max())
    xf = x.to(torch.float64) if x.dtype == torch.float64 else x.to(torch.float32)
    edges = torch.linspace(lo, hi, bins + 1, dtype=xf.dtype, device=x.device)
    inside = (xf >= lo) & (xf <= hi)
    idx = torch.clamp(torch.bucketize(xf, edges, right=True) - 1, 0, bins - 1)
    counts = torch.zeros(bins, dtype=torch.int64, device=x.device)
    counts.scatter_add_(0, idx[inside], torch.ones_like(idx[inside]))
    return counts.to(edges.dtype), edges


@op
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None, size=None,
           fill_value=None):
    x = tensor(x)
    flat = x.reshape(-1) if axis is None else x
    values, inverse, counts = torch.unique(flat, sorted=True, return_inverse=True, return_counts=True,
                                           dim=None if axis is None else int(axis))
    results = [values]
    if return_index:
        n = flat.shape[0] if axis is None else flat.shape[int(axis)]
        positions = torch.arange(n, device=x.device)
        first = torch.full((values.shape[0] if axis is None else values.shape[int(axis)],), n,
                           dtype=torch.int64, device=x.device)
        first = first.scatter_reduce(0, inverse.reshape(-1), positions, reduce="amin")
        results.append(first.to(torch.int32))
    if return_inverse:
        results.append((inverse if axis is not None else inverse.reshape(x.shape)).to(torch.int32))
    if return_counts:
        results.append(counts.to(torch.int32))
    if size is not None:
        # A fixed `size` pads (or truncates) the per-unique outputs; the inverse keeps x's shape.
        inverse_at = 1 + bool(return_index) if return_inverse else -1
        results = [r if i == inverse_at else _pad_to(r, int(size), fill_value if i == 0 else 0)
                   for i, r in enumerate(results)]
    return results[0] if len(results) == 1 else tuple(results)


def _pad_to(t, size, fill):
    if t.shape[0] >= size:
        return t[:size]
    if fill is None:
        fill = t[0] if t.shape[0] else 0
    pad = torch.full((size - t.shape[0],) + tuple(t.shape[1:]), 0, dtype=t.dtype, device=t.device)
    pad[...] = fill if not isinstance(fill, torch.Tensor) else fill.to(t.dtype)
    return torch.cat([t, pad])


@op
def argpartition(x, kth, axis=-1):
    """Indices that partition `x` around its `kth` element (a full stable sort is a valid partition)."""
    x = tensor(x)
    axis = int(axis)
    if not -x.shape[axis] <= int(kth) < x.shape[axis]:
        raise ValueError(f"kth(={kth}) out of bounds ({x.shape[axis]})")
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)
