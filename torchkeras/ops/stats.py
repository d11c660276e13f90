"""keras.ops.numpy statistics: quantiles, medians, the nan-ignoring reductions, ptp, average."""

import torch

from torchkeras.ops._common import float_input, norm_axis, op, promote, tensor

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _to_last(x, axis):
    """Move the reduced axes to one trailing axis; returns (x, dims, kept shape for keepdims)."""
    dims = norm_axis(axis, x.dim())
    keep_shape = [1 if i in dims else s for i, s in enumerate(x.shape)]
    rest = [i for i in range(x.dim()) if i not in dims]
    x = x.permute(rest + list(dims)).reshape([x.shape[i] for i in rest] + [-1])
    return x, keep_shape


def _quantile(x, q, axis, method, keepdims, nan):
    if method not in _METHODS:
        raise ValueError(f"Invalid value for argument `method`. Expected one of {_METHODS}. "
                         f"Received: method={method}")
    x = float_input(x)
    q = tensor(q, like=x).to(device=x.device, dtype=x.dtype if x.dtype == torch.float64 else torch.float32)
    compute = x if x.dtype == torch.float64 else x.to(torch.float32)
    flat, keep_shape = _to_last(compute, axis)
    fn = torch.nanquantile if nan else torch.quantile
    out = fn(flat, q, dim=-1, interpolation=method)
    if keepdims:
        out = out.reshape(tuple(q.shape) + tuple(keep_shape))
    return out.to(x.dtype)


@op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims, nan=False)


@op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, tensor(q, dtype="float32") / 100.0, axis, method, keepdims, nan=False)


@op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims, nan=True)


@op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, tensor(q, dtype="float32") / 100.0, axis, method, keepdims, nan=True)


@op
def median(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, nan=False)


@op
def nanmedian(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, nan=True)


@op
def ptp(x, axis=None, keepdims=False):
    x = tensor(x)
    dims = norm_axis(axis, x.dim())
    return torch.amax(x, dim=dims, keepdim=keepdims) - torch.amin(x, dim=dims, keepdim=keepdims)


@op
def average(x, axis=None, weights=None):
    """Weighted mean along `axis`; 1-D `weights` apply along that axis (numpy.average)."""
    if weights is None:
        x = promote(x, 1.0)[0]
        if axis == () or axis == []:
            return x
        return torch.mean(x, dim=norm_axis(axis, x.dim()))
    x, w, _ = promote(x, weights, 1.0)
    if axis is not None and w.dim() == 1 and x.dim() > 1:
        shape = [1] * x.dim()
        shape[int(axis)] = -1
        w = w.reshape(shape)
    w = torch.broadcast_to(w, x.shape)
    dims = norm_axis(axis, x.dim())
    return torch.sum(x * w, dim=dims) / torch.sum(w, dim=dims)


def _nan_fill(x, value):
    return torch.where(torch.isnan(x), torch.full_like(x, value), x) if x.is_floating_point() else x


def _sum_dtype(dt):
    if dt in (torch.bool, torch.int8, torch.int16):
        return torch.int32
    if dt in (torch.uint8, torch.uint16):
        return torch.uint32
    return dt


@op
def nansum(x, axis=None, keepdims=False):
    x = tensor(x)
    filled = _nan_fill(x, 0).to(torch.int64) if not x.is_floating_point() else _nan_fill(x, 0)
    if axis == ():  # numpy: an empty axis tuple reduces nothing
        return filled.to(_sum_dtype(x.dtype))
    out = torch.sum(filled, dim=norm_axis(axis, x.dim()), keepdim=keepdims)
    return out.to(_sum_dtype(x.dtype))


@op
def nanprod(x, axis=None, keepdims=False):
    x = tensor(x)
    out = _nan_fill(x, 1)
    if not x.is_floating_point():
        out = out.to(torch.int64)
    for d in sorted(norm_axis(axis, x.dim()), reverse=True):
        out = torch.prod(out, dim=d, keepdim=keepdims)
    return out.to(_sum_dtype(x.dtype))


@op
def nanmean(x, axis=None, keepdims=False):
    x = float_input(x)
    return torch.nanmean(x, dim=norm_axis(axis, x.dim()), keepdim=keepdims)


@op
def nanvar(x, axis=None, keepdims=False):
    x = float_input(x)
    dims = norm_axis(axis, x.dim())
    mean = torch.nanmean(x, dim=dims, keepdim=True)
    return torch.nanmean(torch.square(x - mean), dim=dims, keepdim=keepdims)


@op
def nanstd(x, axis=None, keepdims=False):
    return torch.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(x, axis, keepdims, reduce, fill):
    x = tensor(x)
    dims = norm_axis(axis, x.dim())
    if not x.is_floating_point():
        return reduce(x, dim=dims, keepdim=keepdims)
    out = reduce(_nan_fill(x, fill), dim=dims, keepdim=keepdims)
    all_nan = torch.all(torch.isnan(x), dim=dims, keepdim=keepdims)
    return torch.where(all_nan, torch.full_like(out, float("nan")), out)


@op
def nanmax(x, axis=None, keepdims=False):
    return _nan_extreme(x, axis, keepdims, torch.amax, float("-inf"))


@op
def nanmin(x, axis=None, keepdims=False):
    return _nan_extreme(x, axis, keepdims, torch.amin, float("inf"))


def _nan_arg(x, axis, keepdims, name, fill):
    from torchkeras.ops import math as kmath
    x = tensor(x)
    fn = getattr(kmath, name)
    if not x.is_floating_point():
        return fn(x, axis=axis, keepdims=keepdims)
    idx = fn(_nan_fill(x, fill), axis=axis, keepdims=keepdims)
    if axis is None:
        all_nan = torch.all(torch.isnan(x))
        if keepdims:
            all_nan = all_nan.reshape(idx.shape)
    else:
        all_nan = torch.all(torch.isnan(x), dim=int(axis), keepdim=keepdims)
    return torch.where(all_nan, torch.full_like(idx, -1), idx)


@op
def nanargmax(x, axis=None, keepdims=False):
    return _nan_arg(x, axis, keepdims, "argmax", float("-inf"))


@op
def nanargmin(x, axis=None, keepdims=False):
    return _nan_arg(x, axis, keepdims, "argmin", float("inf"))


def _nan_cum(x, axis, dtype, fn, fill):
    from torchkeras.ops._common import dtype_of
    x = tensor(x)
    # Products keep narrow int dtypes (as TF's Keras); sums widen them like `sum`.
    out_dtype = dtype_of(dtype) or (_sum_dtype(x.dtype) if fn is torch.cumsum or x.dtype == torch.bool
                                    else x.dtype)
    work = _nan_fill(x, fill)
    if isinstance(axis, (list, tuple)):
        if len(axis) > 1:
            raise ValueError(f"`axis` must be an int or a tuple of at most one int. Received: axis={axis}")
        if not axis:  # an empty axis tuple accumulates along nothing
            return work.to(out_dtype)
        axis = axis[0]
    if axis is None:
        x, work, axis = x.reshape(-1), work.reshape(-1), 0
    if not x.is_floating_point():
        work = work.to(torch.int64)
    return fn(work, dim=int(axis)).to(out_dtype)


@op
def nancumsum(x, axis=None, dtype=None):
    return _nan_cum(x, axis, dtype, torch.cumsum, 0)


@op
def nancumprod(x, axis=None, dtype=None):
    return _nan_cum(x, axis, dtype, torch.cumprod, 1)
