"""The Keras 2 `keras.backend` (K) functions that Keras 3 dropped, kept for porting.

Each warns once (Keras2DeprecationWarning) naming its Keras 3 replacement, then runs on keras.ops,
so it works on torch tensors, numpy arrays and symbolic KerasTensors alike. Defaults are Keras 2's
where they differ from keras.ops (K.concatenate and K.argmax use axis=-1).
"""

import functools

import numpy as np
import torch

from torchkeras import ops
from torchkeras.ops._common import float_input, op, tensor
from torchkeras.porting.deprecation import warn_once

__all__ = []


def _keras2(replacement=None):
    def deco(fn):
        name = fn.__name__.rstrip("_")
        hint = replacement or f"keras.ops.{name}"

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            warn_once(f"K.{name}", f"keras.backend.{name} is a Keras 2 function that Keras 3 removed; torchkeras "
                                   f"keeps it for porting. Use {hint} instead.")
            return fn(*args, **kwargs)
        wrapper.__name__ = name
        globals()[name] = wrapper
        __all__.append(name)
        return wrapper
    return deco


def _same(*names):
    for name in names:
        _keras2()(functools.wraps(getattr(ops, name))(lambda *a, _f=getattr(ops, name), **k: _f(*a, **k)))


_same("mean", "sum", "max", "min", "prod", "std", "var", "any", "all", "square", "exp", "log", "abs",
      "sign", "round", "maximum", "minimum", "equal", "not_equal", "greater", "greater_equal", "less",
      "less_equal", "reshape", "transpose", "stack", "tile", "cast", "zeros_like", "ones_like", "dot",
      "softmax", "sigmoid", "tanh", "softplus", "softsign", "elu", "stop_gradient", "cumsum", "cumprod",
      "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
      "squeeze", "ndim", "one_hot", "dtype", "log_softmax")


@_keras2()
def sqrt(x):
    # Keras 2 clipped negatives to 0 first, so sqrt never produced NaN.
    return ops.sqrt(ops.relu(x))


@_keras2()
def pow(x, a):
    return ops.power(x, a)


@_keras2()
def clip(x, min_value, max_value):
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return ops.clip(x, -np.inf if min_value is None else min_value, np.inf if max_value is None else max_value)


@_keras2("keras.ops.concatenate")
def concatenate(tensors, axis=-1):
    return ops.concatenate(tensors, axis=axis)


@_keras2()
def expand_dims(x, axis=-1):
    # Keras 2's default axis is the last one; keras.ops requires it.
    return ops.expand_dims(x, axis)


@_keras2()
def argmax(x, axis=-1):
    return ops.argmax(x, axis=axis)


@_keras2()
def argmin(x, axis=-1):
    return ops.argmin(x, axis=axis)


@_keras2("x.shape or keras.ops.shape")
def int_shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else tuple(np.shape(x))


@_keras2("keras.ops.shape")
def shape(x):
    return ops.shape(x)


@_keras2("keras.ops.transpose")
def permute_dimensions(x, pattern):
    return ops.transpose(x, pattern)


@_keras2("keras.ops.reshape")
def flatten(x):
    return ops.reshape(x, (-1,))


@_keras2("keras.ops.reshape(x, (-1, n)) or a Flatten layer")
def batch_flatten(x):
    return _batch_flatten(x)


@op
def _batch_flatten(x):
    return torch.flatten(tensor(x), 1)


@_keras2("keras.ops.repeat / a RepeatVector layer")
def repeat(x, n):
    return ops.repeat(ops.expand_dims(x, 1), n, axis=1)


@_keras2("keras.ops.repeat")
def repeat_elements(x, rep, axis):
    return ops.repeat(x, rep, axis=axis)


@_keras2("keras.ops.take")
def gather(reference, indices):
    return ops.take(reference, indices, axis=0)


@_keras2("keras.ops.einsum or keras.ops.matmul")
def batch_dot(x, y, axes=None):
    return _batch_dot(x, y, axes)


@op
def _batch_dot(x, y, axes):
    x, y = tensor(x), tensor(y)
    if axes is None:
        axes = (x.dim() - 1, y.dim() - 2 if y.dim() >= 3 else y.dim() - 1)
    elif isinstance(axes, int):
        axes = (axes, axes)
    xm = torch.movedim(x, axes[0], -1)
    ym = torch.movedim(y, axes[1], 1)
    x_rest, y_rest = xm.shape[1:-1], ym.shape[2:]
    out = torch.bmm(xm.reshape(xm.shape[0], -1, xm.shape[-1]), ym.reshape(ym.shape[0], ym.shape[1], -1))
    out = out.reshape((out.shape[0],) + tuple(x_rest) + tuple(y_rest))
    return out.unsqueeze(1) if out.dim() == 1 else out  # Keras 2 kept (batch, 1) for 2D inputs


@_keras2("keras.ops.relu / keras.layers.ReLU")
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    return _relu(x, alpha, max_value, threshold)


@op
def _relu(x, alpha, max_value, threshold):
    x = float_input(x)
    out = torch.where(x > threshold, x, alpha * (x - threshold) if alpha else torch.zeros_like(x))
    return out if max_value is None else torch.clamp(out, max=max_value)


@_keras2("keras.ops.hard_sigmoid (whose Keras 3 formula differs)")
def hard_sigmoid(x):
    # Keras 2's piecewise-linear form: clip(0.2 * x + 0.5, 0, 1).
    return ops.clip(ops.add(ops.multiply(x, 0.2), 0.5), 0.0, 1.0)


@_keras2("keras.ops.normalize")
def l2_normalize(x, axis=None):
    sq = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(sq, 1e-12)))


@_keras2("keras.ops.where")
def switch(condition, then_expression, else_expression):
    then_value = then_expression() if callable(then_expression) else then_expression
    else_value = else_expression() if callable(else_expression) else else_expression
    return ops.where(condition, then_value, else_value)


# Creation, variables, randomness and learning-phase functions live in a second file; importing it
# registers them here (the decorator writes into this module's namespace and __all__).
from torchkeras.porting import keras2_backend_state  # noqa: E402, F401
