"""Integer ids -> one_hot / multi_hot / count vectors, with Keras's rank rules.

Keras (TF backend) bincounts along the last axis for inputs of rank <= 2 (a rank-1 input is one
sample) and reduces axis 1 of a one-hot encoding for higher ranks; ids outside [0, depth) count
nowhere.
"""

import torch


def one_hot(ids, depth, dtype, squeeze=True):
    if squeeze and ids.dim() > 1 and ids.shape[-1] == 1:
        ids = ids.squeeze(-1)
    classes = torch.arange(depth, device=ids.device, dtype=ids.dtype)
    return (ids.unsqueeze(-1) == classes).to(dtype)


def _bincount(ids, depth, weights, binary, dtype):
    single = ids.dim() == 1
    if single:
        ids = ids.unsqueeze(0)
        weights = None if weights is None else weights.unsqueeze(0)
    rows = ids.reshape(ids.shape[0], -1).long()
    valid = (rows >= 0) & (rows < depth)
    acc_dtype = weights.dtype if weights is not None and weights.dtype.is_floating_point else torch.float64
    w = torch.ones(rows.shape, dtype=acc_dtype, device=rows.device) if weights is None \
        else weights.reshape(rows.shape).to(acc_dtype)
    w = torch.where(valid, w, torch.zeros((), dtype=acc_dtype, device=rows.device))
    out = torch.zeros(rows.shape[0], depth, dtype=acc_dtype, device=rows.device)
    out.scatter_add_(1, rows.clamp(0, depth - 1), w)
    if binary:
        out = (out > 0).to(acc_dtype) if weights is None else torch.where(out != 0, 1.0, 0.0).to(acc_dtype)
    out = out.to(dtype)
    return out[0] if single else out


def encode(ids, output_mode, depth, dtype, count_weights=None):
    """Encode integer `ids` (a torch tensor) as Keras's `encode_categorical_inputs` does."""
    if output_mode == "int":
        return ids.to(dtype)
    if ids.dim() == 0:
        ids = ids.unsqueeze(-1)
    if output_mode == "one_hot":
        return one_hot(ids, depth, dtype)
    if count_weights is not None:
        dtype = count_weights.dtype
    binary = output_mode == "multi_hot"
    if ids.dim() <= 2:
        return _bincount(ids, depth, count_weights if not binary else None, binary, dtype)
    # Rank > 2: Keras one-hot encodes and reduces axis 1.
    encoded = one_hot(ids, depth, torch.float32 if count_weights is None else count_weights.dtype,
                      squeeze=False)
    if count_weights is not None:
        encoded = encoded * count_weights.unsqueeze(-1)
    out = encoded.amax(dim=1) if binary else encoded.sum(dim=1)
    return out.to(dtype)
