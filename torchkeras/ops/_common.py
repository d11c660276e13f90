"""Shared plumbing of keras.ops: input conversion and symbolic recording.

Every public op is wrapped by `op`: when any argument is a symbolic KerasTensor the whole
Python function is recorded as one functional-API node (shape inferred by running it on meta
tensors), so an op body may freely use torch calls, `.dim()` or `.shape` on its inputs.
"""

import functools

import numpy as np
import torch

from torchkeras.keras_tensor import KerasTensor, any_symbolic, record_op, torch_dtype


def op(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if any_symbolic((args, kwargs)):
            return record_op(func, args, kwargs)
        return func(*args, **kwargs)
    wrapper._torchkeras_op = True
    return wrapper


def dtype_of(dtype):
    """A Keras dtype spelling (str, numpy dtype, torch dtype) as a torch dtype; None stays None."""
    if dtype is None:
        return None
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, type) and issubclass(dtype, np.generic) or isinstance(dtype, np.dtype):
        dtype = np.dtype(dtype).name
    if dtype == "float":
        dtype = "float32"
    if dtype == "int":
        dtype = "int32"
    return torch_dtype(dtype)


def floatx_dtype():
    from torchkeras import config
    return torch_dtype(config.floatx())


def tensor(x, dtype=None, like=None):
    """torch.Tensor from a tensor, variable, numpy array or Python value (Keras's dtype rules:
    Python floats become floatx, Python ints int32, numpy arrays keep their dtype)."""
    dtype = dtype_of(dtype)
    if isinstance(x, torch.Tensor):
        t = x
    elif hasattr(x, "value") and isinstance(getattr(x, "value"), torch.Tensor):  # Keras variables
        t = x.value
    elif isinstance(x, KerasTensor):
        raise TypeError("A symbolic KerasTensor cannot be converted to a concrete tensor: it has no value "
                        "until the model runs. Build a Model and call it instead.")
    else:
        arr = np.asarray(x)
        if dtype is None and not isinstance(x, (np.ndarray, np.generic)):
            if arr.dtype.kind == "f":
                dtype = floatx_dtype()
            elif arr.dtype.kind in "iu":
                dtype = torch.int32
        if arr.dtype.kind not in "biuf" and arr.dtype.kind != "c":
            raise TypeError(f"Cannot convert {x!r} (dtype {arr.dtype}) to a tensor: expected numbers or booleans.")
        t = torch.from_numpy(np.ascontiguousarray(arr))
        if like is not None and isinstance(like, torch.Tensor):
            t = t.to(like.device)
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    return t


def operand(x, like=None):
    """Binary-op operand: Python scalars stay scalars (weak types, as Keras); arrays become tensors."""
    if isinstance(x, (bool, int, float)) or isinstance(x, torch.Tensor):
        return x
    return tensor(x, like=like)


def pair(x1, x2):
    like = x1 if isinstance(x1, torch.Tensor) else x2 if isinstance(x2, torch.Tensor) else None
    a, b = operand(x1, like), operand(x2, like)
    if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
        a = tensor(a)
    return a, b


def float_input(x):
    """Keras promotes integer and boolean inputs of float math (sqrt, exp, mean, ...) to floatx."""
    t = tensor(x)
    if not (t.is_floating_point() or t.is_complex()):
        t = t.to(floatx_dtype())
    return t


def axes(axis):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return int(axis)
