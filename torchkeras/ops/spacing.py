"""keras.ops.numpy evenly spaced ranges: linspace, logspace, geomspace.

Start and stop may be arrays (one range per element, stacked along `axis`). The result dtype is
Keras's result_type(start, stop, float) unless `dtype` is given; integer dtypes take the floor of the
float values, as Keras (so logspace with an integer dtype raises the base to floored exponents).
"""

import math

import torch

from torchkeras.keras_tensor import KerasTensor
from torchkeras.ops._common import (
    broadcast_shapes,
    dtype_of,
    floatx_dtype,
    op,
    result_dtype,
    shape_of,
    spec_for,
    tensor,
)
from torchkeras.ops._dtypes import dtype_of_value, result_type


def _dtype(start, stop, dtype):
    if dtype is not None:
        return dtype_of(dtype)
    return result_dtype(start, stop, 1.0)


def _values(start, stop, num, endpoint, axis):
    """float64 values (num along `axis`) and the float64 step."""
    num = int(num)
    if num < 0:
        raise ValueError(f"`num` must be a non-negative integer. Received: num={num}")
    start, stop = tensor(start, dtype="float64"), tensor(stop, dtype="float64")
    if start.device != stop.device:
        stop = stop.to(start.device)
    start, stop = torch.broadcast_tensors(start, stop)
    div = num - 1 if endpoint else num
    step = (stop - start) / div if div > 0 else torch.full_like(start, math.nan)
    steps = torch.arange(num, dtype=torch.float64, device=start.device).reshape((num,) + (1,) * start.dim())
    out = start + steps * step if div > 0 else start.unsqueeze(0).expand((num,) + tuple(start.shape))
    if endpoint and num > 1:
        out = torch.cat([out[:-1], stop.unsqueeze(0)])
    if out.dim() > 1:
        out = torch.movedim(out, 0, int(axis))
    return out, step


def _cast(values, dt):
    if not (dt.is_floating_point or dt.is_complex):
        values = torch.floor(values)
    return values.to(dt)


@op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    dt = _dtype(start, stop, dtype)
    values, step = _values(start, stop, num, endpoint, axis)
    out = _cast(values, dt)
    if retstep:
        return out, step.to(dt if dt.is_floating_point else floatx_dtype())
    return out


@op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    dt = _dtype(start, stop, dtype)
    exps = _cast(_values(start, stop, num, endpoint, axis)[0], dt)
    if dt.is_floating_point:
        return torch.pow(torch.tensor(float(base), dtype=torch.float64), exps.to(torch.float64)).to(dt)
    return torch.pow(torch.tensor(int(base), dtype=dt), exps)


@op
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    start_t, stop_t = tensor(start, dtype="float64"), tensor(stop, dtype="float64")
    if bool(torch.any(start_t == 0)) or bool(torch.any(stop_t == 0)):
        raise ValueError("Geometric sequence cannot include zero.")
    dt = dtype_of(dtype) or floatx_dtype()
    logs, _ = _values(torch.log10(torch.abs(start_t)), torch.log10(torch.abs(stop_t)), num, endpoint, axis)
    sign = torch.sign(start_t)
    if logs.dim() > 1:
        sign = torch.movedim(sign.unsqueeze(0), 0, int(axis))
    return _cast(sign * torch.pow(torch.tensor(10.0, dtype=torch.float64), logs), dt)


@spec_for(geomspace)
def _geomspace_spec(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    shape = list(broadcast_shapes(shape_of(start), shape_of(stop)))
    shape.insert(int(axis) % (len(shape) + 1), int(num))
    base = dtype if dtype is not None else (start.dtype if isinstance(start, KerasTensor) else dtype_of_value(start))
    return KerasTensor(shape, dtype_of(result_type(base, float)))
