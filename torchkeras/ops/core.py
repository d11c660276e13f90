"""keras.ops core: conversions, shape queries, cast, stop_gradient, cond."""

import builtins

import numpy as np
import torch

from torchkeras.keras_tensor import KerasTensor
from torchkeras.ops._common import dtype_of, op, tensor


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A torch tensor (Python floats become floatx, as Keras); symbolic tensors pass through."""
    if isinstance(x, KerasTensor):
        return x if dtype is None else cast(x, dtype)
    if sparse:
        raise ValueError("convert_to_tensor: torchkeras has no sparse tensors; pass sparse=None or False.")
    if ragged:
        raise ValueError("convert_to_tensor: torchkeras has no ragged tensors; pass ragged=None or False.")
    return tensor(x, dtype)


def convert_to_numpy(x):
    if isinstance(x, KerasTensor):
        raise TypeError("convert_to_numpy received a symbolic KerasTensor, which has no value until the model runs. "
                        "Call the model (or model.predict) on data instead.")
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        # numpy has no bfloat16 (Keras gives an ml_dtypes array): float32 holds it exactly.
        return x.float().numpy() if x.dtype is torch.bfloat16 else x.numpy()
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def is_tensor(x):
    return isinstance(x, (torch.Tensor, KerasTensor))


def shape(x):
    """The shape as a tuple (None for unknown dims of a symbolic tensor)."""
    if isinstance(x, KerasTensor):
        return x.shape
    return tuple(tensor(x).shape) if not hasattr(x, "shape") else tuple(x.shape)


def ndim(x):
    if isinstance(x, KerasTensor):  # Keras's Ndim spec: a 1-element shape holding the rank
        return KerasTensor((len(x.shape),))
    return len(shape(x))


def dtype(x):
    if isinstance(x, KerasTensor):
        return x.dtype
    return str(tensor(x).dtype).replace("torch.", "")


@op
def cast(x, dtype):
    return tensor(x).to(dtype_of(dtype))


@op
def stop_gradient(variable):
    return tensor(variable).detach()


@op
def cond(pred, true_fn, false_fn):
    """Eager control flow: torch runs Python directly, so this is an ordinary `if`."""
    if isinstance(pred, torch.Tensor) and pred.is_meta:
        # Recorded on a symbolic `pred`: both branches must agree, so either gives the spec.
        return true_fn()
    return true_fn() if bool(pred) else false_fn()


@op
def slice(inputs, start_indices, shape):
    inputs = tensor(inputs)
    _check_slice(inputs.shape, start_indices, shape)
    if isinstance(start_indices, torch.Tensor):
        start_indices = start_indices.tolist()
    # A size of -1 takes everything from the start index on (tf.slice).
    index = tuple(builtins.slice(int(s), None if int(n) == -1 else int(s) + int(n))
                  for s, n in zip(start_indices, shape))
    return inputs[index]


def _check_slice(input_shape, start_indices, shape):
    if len(shape) != len(input_shape):
        raise ValueError("The number of dimensions in `inputs` must match the number of dimensions in `shape`. "
                         f"Received inputs.shape={tuple(input_shape)} and shape={tuple(shape)}")
    if hasattr(start_indices, "__len__") and len(start_indices) != len(input_shape):
        raise ValueError("The number of dimensions in `start_indices` must match the number of dimensions in "
                         f"`inputs`. Received start_indices={start_indices} and inputs.shape={tuple(input_shape)}")



@op
def saturate_cast(x, dtype):
    """Cast with the values first clipped to the range of `dtype` (no integer wrap-around)."""
    x = tensor(x)
    target = dtype_of(dtype)
    if target == torch.bool or x.dtype == torch.bool:
        return x.to(target)
    info = torch.finfo(target) if target.is_floating_point else torch.iinfo(target)
    lo, hi = info.min, info.max
    if x.is_floating_point():
        src = torch.finfo(x.dtype)
        lo, hi = builtins.max(lo, src.min), builtins.min(hi, src.max)
        # The bounds of a wide int type are not representable in x's float type: clip to the
        # largest float below them instead, so the cast cannot overflow.
        lo_t = torch.tensor(lo, dtype=x.dtype)
        hi_t = torch.tensor(hi, dtype=x.dtype)
        if not target.is_floating_point:
            if float(hi_t) > hi:
                hi_t = torch.nextafter(hi_t, torch.tensor(0, dtype=x.dtype))
            if float(lo_t) < lo:
                lo_t = torch.nextafter(lo_t, torch.tensor(0, dtype=x.dtype))
        return torch.clamp(x, lo_t.item(), hi_t.item()).to(target)
    src = torch.iinfo(x.dtype)
    return torch.clamp(x, builtins.max(lo, src.min), builtins.min(hi, src.max)).to(target)


@op
def scatter(indices, values, shape):
    """A zero tensor of `shape` with `values` added at `indices` (duplicates accumulate)."""
    values = tensor(values)
    indices = tensor(indices, like=values).to(torch.int64)
    shape = tuple(int(d) for d in shape)
    out = torch.zeros(shape, dtype=values.dtype, device=values.device)
    k = indices.shape[-1]
    flat_idx = indices.reshape(-1, k)
    vals = values.reshape((-1,) + shape[k:])
    out.index_put_(tuple(flat_idx.T), vals, accumulate=True)
    return out


@op
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with the entries (or slices) at `indices` replaced by `updates`, or combined with them
    by `reduction` ('add', 'max', 'min', 'mul')."""
    inputs = tensor(inputs)
    indices = tensor(indices, like=inputs).to(torch.int64)
    updates = tensor(updates, like=inputs).to(inputs.dtype)
    idx = tuple(indices.T)
    out = inputs.clone()
    if reduction is None:
        out[idx] = updates
    elif reduction == "add":
        out.index_put_(idx, updates, accumulate=True)
    elif reduction in ("max", "min", "mul"):
        combine = {"max": torch.maximum, "min": torch.minimum, "mul": torch.mul}[reduction]
        # Sequential application handles duplicate indices (each op is associative).
        for i in range(indices.shape[0]):
            pos = tuple(indices[i])
            out[pos] = combine(out[pos], updates[i])
    else:
        raise ValueError(f"Unsupported reduction: {reduction}. Expected one of None, 'add', 'max', 'min', 'mul'.")
    return out


@op
def slice_update(inputs, start_indices, updates):
    inputs = tensor(inputs)
    updates = tensor(updates, like=inputs).to(inputs.dtype)
    start = [int(s) for s in (start_indices.tolist() if isinstance(start_indices, torch.Tensor)
                              else start_indices)]
    index = tuple(builtins.slice(s, s + n) for s, n in zip(start, updates.shape))
    out = inputs.clone()
    out[index] = updates
    return out
