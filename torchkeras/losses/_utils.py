"""Shared helpers for losses and metrics: tensor conversion, rank alignment, masks, reductions.

Keras attaches two hidden attributes to tensors and so do we:
- ``_keras_logits``: set by softmax/sigmoid activations on their output; crossentropy losses use it.
- ``_keras_mask``: the output mask (bool, y_pred.shape[:-1] or per sample); losses/metrics weigh
  masked entries 0.
"""

import numpy as np
import torch

EPSILON = 1e-7
FLOATX = torch.float32

_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "bool": torch.bool,
    # Keras's aliases
    "int": torch.int64,
    "float": torch.float32,
    "double": torch.float64,
    "half": torch.float16,
}


def _floatx():
    from torchkeras import config

    return _DTYPES.get(config.floatx(), FLOATX)


def standardize_dtype(dtype):
    """Accept None, a Keras dtype string or policy, or a torch dtype; return a torch dtype.

    None is the global floatx (not the global dtype policy: Keras's rule for losses/metrics);
    a mixed policy ("mixed_float16" or a DTypePolicy) gives its compute dtype."""
    if dtype is None:
        return _floatx()
    if isinstance(dtype, torch.dtype):
        return dtype
    name = dtype if isinstance(dtype, str) else getattr(dtype, "compute_dtype", None)
    if name is None:
        name = getattr(dtype, "name", None)  # a numpy dtype
    if isinstance(name, str):
        if name.startswith("mixed_"):
            name = name[len("mixed_"):]
        if name in _DTYPES:
            return _DTYPES[name]
    raise ValueError(
        f"Invalid dtype: {dtype!r}. Expected None, a torch dtype or one of "
        f"{sorted(_DTYPES)}."
    )


def dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def get_logits(x):
    return getattr(x, "_keras_logits", None)


def get_mask(x):
    return getattr(x, "_keras_mask", None)


def set_mask(x, mask):
    x._keras_mask = mask
    return x


def to_tensor(x, dtype=None, device=None):
    """Convert to a torch tensor, keeping the hidden Keras attributes when a cast is needed.

    A same-dtype tensor is returned as is (so its attributes survive, as in TF where
    convert_to_tensor is a no-op on a tensor)."""
    if isinstance(x, torch.Tensor):
        out = x
        if device is not None and out.device != torch.device(device):
            out = out.to(device)
        if dtype is not None and out.dtype != dtype:
            out = out.to(dtype)
        if out is not x:
            for attr in ("_keras_logits", "_keras_mask"):
                val = getattr(x, attr, None)
                if val is not None:
                    setattr(out, attr, val.to(out.device) if isinstance(val, torch.Tensor) else val)
        return out
    arr = np.asarray(x)
    if dtype is None and arr.dtype == np.float64:
        dtype = FLOATX  # numpy float64 is cast to floatx, as Keras does
    t = torch.as_tensor(arr, device=device)
    return t.to(dtype) if dtype is not None else t


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Align ranks differing by one through a trailing dim of 1 (Keras's rule)."""
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def divide_no_nan(a, b):
    safe = torch.where(b == 0, torch.ones_like(b), b)
    return torch.where(b == 0, torch.zeros_like(a * b), a / safe)


def broadcast_weights(weights, values):
    """Multiply-ready weights: trailing dims are added so (N,) weighs (N, T) per sample."""
    while weights.dim() < values.dim():
        weights = weights.unsqueeze(-1)
    return weights


REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. "
            f"Received: reduction={reduction!r}"
        )
    return reduction


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a boolean mask into the sample weights.

    For mean-type reductions, unmasked entries weigh total/valid so that dividing by the full
    element count later equals dividing by the number of unmasked entries."""
    if mask is None:
        return sample_weight
    mask = mask.to(torch.bool)
    if reduction in ("mean", "sum_over_batch_size"):
        # Python scalars here: no host-to-device copy per step
        valid = mask.to(dtype).sum()
        weight = torch.where(valid == 0, 0.0, float(mask.numel()) / valid.clamp(min=1e-30))
        float_mask = mask.to(dtype) * weight
    else:
        float_mask = mask.to(dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = sample_weight.to(dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    if float_mask.dim() > sample_weight.dim():
        sample_weight = broadcast_weights(sample_weight, float_mask)
    elif sample_weight.dim() > float_mask.dim():
        float_mask = broadcast_weights(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    if reduction in (None, "none") or values.dim() == 0 or tuple(values.shape) == (0,):
        return values
    loss = values.sum()
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = sample_weight.sum().to(loss.dtype)
        else:
            n = values.numel()
            return loss / n if n else torch.zeros_like(loss)
        loss = divide_no_nan(loss, divisor)
    return loss


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=FLOATX):
    reduction = standardize_reduction(reduction)
    values = values.to(dtype)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype=dtype, device=values.device)
    sample_weight = apply_mask(sample_weight, mask, dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        if sample_weight.dim() < values.dim():
            sample_weight = broadcast_weights(sample_weight, values)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)
