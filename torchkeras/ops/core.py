"""keras.ops core: conversions, shape queries, cast, stop_gradient, cond."""

import builtins

import numpy as np
import torch

from torchkeras.keras_tensor import KerasTensor
from torchkeras.ops._common import dtype_of, op, tensor


def convert_to_tensor(x, dtype=None, sparse=None):
    """A torch tensor (Python floats become floatx, as Keras); symbolic tensors pass through."""
    if isinstance(x, KerasTensor):
        return x if dtype is None else cast(x, dtype)
    if sparse:
        raise ValueError("convert_to_tensor: torchkeras has no sparse tensors; pass sparse=None or False.")
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


def cond(pred, true_fn, false_fn):
    """Eager control flow: torch runs Python directly, so this is an ordinary `if`."""
    if isinstance(pred, KerasTensor):
        raise TypeError("cond: `pred` is a symbolic KerasTensor; its value is unknown while the model is being "
                        "built. Use ops.where, or put the branch inside a custom layer's call().")
    return true_fn() if bool(pred) else false_fn()


@op
def slice(inputs, start_indices, shape):
    inputs = tensor(inputs)
    index = tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))
    return inputs[index]

