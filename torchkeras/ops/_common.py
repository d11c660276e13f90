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


def spec_for(op_fn):
    """Registers the decorated function as `op_fn`'s symbolic output spec (Keras's compute_output_spec):
    called with the op's arguments, it returns KerasTensors; for ops whose result shape depends on
    values or that the meta-tensor run cannot size the way Keras does."""
    def register(fn):
        op_fn.__wrapped__._output_spec = fn
        return fn
    return register


def shape_of(x):
    """The shape of a KerasTensor, tensor, array or Python value (None for unknown dims)."""
    if isinstance(x, KerasTensor) or hasattr(x, "shape"):
        return tuple(x.shape)
    return tuple(np.shape(x))


def broadcast_shapes(shape1, shape2):
    """Keras's broadcast rule for shapes with unknown (None) dims: None meets n as n (n != 1)."""
    shape1, shape2 = list(shape1), list(shape2)
    n = max(len(shape1), len(shape2))
    shape1, shape2 = [1] * (n - len(shape1)) + shape1, [1] * (n - len(shape2)) + shape2
    out = []
    for a, b in zip(shape1, shape2):
        if a == 1:
            out.append(b)
        elif a is None:
            out.append(None if b == 1 else b)
        elif b in (1, None, a):
            out.append(a)
        else:
            raise ValueError(f"Cannot broadcast shape, the failure dim has value {a}, which cannot be broadcasted "
                             f"to {b}. Input shapes are: {tuple(shape1)} and {tuple(shape2)}.")
    return tuple(out)


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
    name = getattr(dtype, "name", dtype)
    if name in _EXTRA_DTYPES:
        return _EXTRA_DTYPES[name]
    return torch_dtype(dtype)


# Dtypes Keras allows beyond the layer dtypes the functional API knows.
_EXTRA_DTYPES = {"uint16": torch.uint16, "uint32": torch.uint32, "uint64": torch.uint64,
                 "complex64": torch.complex64, "complex128": torch.complex128}


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
        if arr.dtype.name == "bfloat16":  # ml_dtypes' numpy bfloat16: exact through float32
            arr, dtype = arr.astype(np.float32), dtype or torch.bfloat16
        if arr.dtype.kind not in "biuf" and arr.dtype.kind != "c":
            raise TypeError(f"Cannot convert {x!r} (dtype {arr.dtype}) to a tensor: expected numbers or booleans.")
        # ascontiguousarray turns 0-d arrays into 1-d ones: restore the shape.
        t = torch.from_numpy(np.ascontiguousarray(arr).reshape(arr.shape))
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
    # A weak Python number meeting a bool tensor takes its own Keras dtype (int32 / floatx), where
    # torch would give int64 / float32 regardless of floatx.
    if isinstance(a, torch.Tensor) and a.dtype == torch.bool and _weak_number(b):
        b = tensor(b, like=a)
    elif isinstance(b, torch.Tensor) and b.dtype == torch.bool and _weak_number(a):
        a = tensor(a, like=b)
    return a, b


def _weak_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


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


def promote(*xs):
    """Tensors of Keras's result dtype for `xs` (Python scalars are weak, as in Keras)."""
    from torchkeras.ops._dtypes import dtype_of_value, result_type
    like = next((x for x in xs if isinstance(x, torch.Tensor)), None)
    dt = dtype_of(result_type(*(dtype_of_value(x) if isinstance(x, (bool, int, float, torch.Tensor))
                                else dtype_of_value(tensor(x)) for x in xs)))
    out = []
    for x in xs:
        t = x if isinstance(x, torch.Tensor) else tensor(x, like=like)
        if like is not None and t.device != like.device:
            t = t.to(like.device)
        out.append(t.to(dt))
    return out


def result_dtype(*xs):
    """Keras's result torch dtype for values `xs`."""
    from torchkeras.ops._dtypes import dtype_of_value, result_type
    return dtype_of(result_type(*(dtype_of_value(x) for x in xs)))


def check_axis(axis, ndim):
    """`axis` as a non-negative int; Keras's ValueError when it is out of range."""
    axis = int(axis)
    if not -max(ndim, 1) <= axis < max(ndim, 1):
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}.")
    return axis % max(ndim, 1)


def norm_axis(axis, ndim):
    """A tuple of non-negative axes (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) % max(ndim, 1) for a in axis)
    return (int(axis) % max(ndim, 1),)
