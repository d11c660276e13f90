"""to_categorical, normalize, set_random_seed."""

import random

import numpy as np
import torch


def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels (last axis of size 1 is squeezed, as Keras).

    A torch tensor gives a float32 tensor on its device, anything else a numpy array, as Keras."""
    if isinstance(x, torch.Tensor):
        return torch.from_numpy(_to_categorical_np(x.detach().cpu(), num_classes)).to(x.device)
    return _to_categorical_np(x, num_classes)


def _to_categorical_np(x, num_classes):
    x = np.asarray(x)
    if x.dtype.kind == "f":
        if not np.all(np.equal(np.mod(x, 1), 0)):
            raise ValueError("to_categorical expects integer class labels; received non-integer values.")
    x = x.astype("int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical expects non-negative class labels; received {x.min()}.")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError(f"to_categorical: label {x.max()} is out of range for num_classes={num_classes}. "
                         f"Pass num_classes={int(x.max()) + 1} or more.")
    out = np.zeros((x.shape[0], num_classes), dtype="float32")
    out[np.arange(x.shape[0]), x] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """x divided by its `order`-norm along `axis` (zero norms leave x unchanged); a torch tensor stays one."""
    if isinstance(x, torch.Tensor):
        norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
        return x / torch.where(norm == 0, torch.ones_like(norm), norm)
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype("float32")
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis or -1)


def set_random_seed(seed):
    """Seed Python, numpy and torch (CPU and CUDA), as keras.utils.set_random_seed."""
    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
