"""Keras 2 `K.*` creation, variable, random and learning-phase functions (see keras2_backend)."""

import numpy as np
import torch

from torchkeras import ops
from torchkeras import random as krandom
from torchkeras.porting.keras2_backend import __all__, _keras2


@_keras2("keras.ops.zeros")
def zeros(shape, dtype=None, name=None):
    return ops.zeros(shape, dtype=dtype)


@_keras2("keras.ops.ones")
def ones(shape, dtype=None, name=None):
    return ops.ones(shape, dtype=dtype)


@_keras2("keras.ops.eye")
def eye(size, dtype=None, name=None):
    return ops.eye(*(size if isinstance(size, (list, tuple)) else (size,)), dtype=dtype)


@_keras2("keras.ops.arange")
def arange(start, stop=None, step=1, dtype="int32"):
    return ops.arange(start, stop, step, dtype=dtype)


@_keras2("keras.ops.convert_to_tensor, or keras.Variable inside a layer")
def variable(value, dtype=None, name=None, constraint=None):
    return ops.convert_to_tensor(value, dtype=dtype or ("float32" if np.asarray(value).dtype.kind == "f" else None))


@_keras2("keras.ops.convert_to_tensor")
def constant(value, dtype=None, shape=None, name=None):
    t = ops.convert_to_tensor(value, dtype=dtype)
    return t if shape is None else torch.broadcast_to(t, tuple(shape)).clone()


@_keras2("variable.numpy() or keras.ops.convert_to_numpy")
def get_value(x):
    if hasattr(x, "numpy") and not isinstance(x, torch.Tensor):
        return np.asarray(x.numpy())
    if isinstance(x, (int, float)):
        return np.float32(x) if isinstance(x, float) else x
    return ops.convert_to_numpy(x)



@_keras2("keras.ops.convert_to_numpy")
def eval(x):
    return get_value.__wrapped__(x)


@_keras2("[v.numpy() for v in variables]")
def batch_get_value(tensors):
    return [get_value.__wrapped__(t) for t in tensors]


@_keras2("variable.assign(value)")
def set_value(x, value):
    if hasattr(x, "assign"):
        x.assign(value)
    elif isinstance(x, torch.Tensor):
        with torch.no_grad():
            x.copy_(torch.as_tensor(np.asarray(value), dtype=x.dtype).reshape(x.shape))
    else:
        raise TypeError(f"set_value: cannot assign to {type(x).__name__} {x!r}; expected a variable "
                        "(layer weight, optimizer learning rate) or a torch tensor.")


@_keras2("variable.assign(value) for each pair")
def batch_set_value(tuples):
    for x, value in tuples:
        set_value.__wrapped__(x, value)


@_keras2("int(np.prod(variable.shape))")
def count_params(x):
    return int(np.prod(tuple(x.shape)))


@_keras2("keras.random.normal")
def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return krandom.normal(shape, mean, stddev, dtype, seed)


@_keras2("keras.random.uniform")
def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return krandom.uniform(shape, minval, maxval, dtype, seed)


@_keras2("keras.random.truncated_normal")
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return krandom.truncated_normal(shape, mean, stddev, dtype, seed)


@_keras2("keras.random.uniform(shape) < p")
def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    return ops.cast(ops.less(krandom.uniform(shape, seed=seed), p), dtype or "float32")


@_keras2("keras.random.dropout")
def dropout(x, level, noise_shape=None, seed=None):
    return krandom.dropout(x, level, noise_shape, seed)


@_keras2("print()")
def print_tensor(x, message=""):
    print(message, x)
    return x


@_keras2("the `training` argument of call()")
def learning_phase():
    from torchkeras import config
    return 1 if config.call_context.training else 0


@_keras2("the `training` argument of call() / fit")
def set_learning_phase(value):
    if value not in (0, 1):
        raise ValueError(f"Expected learning phase to be 0 or 1. Received: {value!r}")
    if value == 1:
        raise NotImplementedError("K.set_learning_phase(1) would force training behaviour (dropout) everywhere; "
                                  "torchkeras does not emulate it. Pass training=True to the model call instead.")


@_keras2("the `training` argument of call()")
def in_train_phase(x, alt, training=None):
    from torchkeras import config
    training = config.call_context.training if training is None else training
    chosen = x if training else alt
    return chosen() if callable(chosen) else chosen


@_keras2("keras.Model(inputs, outputs) and predict / __call__")
def function(inputs, outputs, updates=None, name=None, **kwargs):
    """K.function([model.input], [layer.output]): a callable mapping input arrays to output arrays."""
    from torchkeras.models import Model
    if updates:
        raise NotImplementedError("K.function(..., updates=...) is a TF1 graph feature torchkeras does not emulate.")
    single = not isinstance(outputs, (list, tuple))
    model = Model(inputs, outputs)

    def run(values):
        with torch.no_grad():
            values = values if isinstance(values, (list, tuple)) else [values]
            out = model(list(values) if len(values) > 1 else values[0])
        out = [ops.convert_to_numpy(o) for o in (out if isinstance(out, (list, tuple)) else [out])]
        return out[0] if single else out
    return run


def _keras2_module():
    import sys
    return sys.modules["torchkeras.porting.keras2_backend"]


def _unsupported(name, why):
    def f(*args, **kwargs):
        raise NotImplementedError(f"keras.backend.{name}: {why} torchkeras (Keras on PyTorch) does not emulate it.")
    f.__name__ = name
    setattr(_keras2_module(), name, f)
    __all__.append(name)


_unsupported("gradients", "symbolic gradients belong to TensorFlow 1 graphs; use loss.backward() / torch.autograd.")
_unsupported("placeholder", "placeholders belong to TensorFlow 1 graphs; use keras.Input.")
_unsupported("get_session", "TensorFlow sessions do not exist in torch.")
_unsupported("set_session", "TensorFlow sessions do not exist in torch.")
