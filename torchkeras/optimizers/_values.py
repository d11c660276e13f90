"""Small value types and float32 scalar helpers shared by the optimizers.

Keras keeps `iterations` and `learning_rate` as backend variables; scripts read them with
`int(opt.iterations)`, `opt.iterations.numpy()`, `float(opt.learning_rate)` or
`opt.learning_rate.numpy()`. The step count lives on the host here (reading it never syncs a
device), so reads hand out int/float subclasses that also answer `.numpy()`.
"""

import os
import sys
import warnings

import numpy as np
import torch

F32 = np.float32


def f32(x):
    """Round a Python number to float32, as Keras does when it casts a hyperparameter."""
    return np.float32(x)


def host_dtype(torch_dtype):
    """The numpy dtype Keras would do scalar math in for a variable of this dtype."""
    return np.float64 if torch_dtype == torch.float64 else np.float32


class StepCount(int):
    """`optimizer.iterations`: an int that also answers Keras's variable reads."""

    def numpy(self):
        return np.int64(self)

    @property
    def value(self):
        return int(self)

    @property
    def dtype(self):
        return "int64"


class LearningRateValue(float):
    """`optimizer.learning_rate` when read: the current value (float32-rounded, as Keras)."""

    def __new__(cls, value, optimizer=None):
        obj = super().__new__(cls, float(np.float32(value)))
        obj._optimizer = optimizer
        return obj

    def numpy(self):
        return np.float32(self)

    @property
    def value(self):
        # Keras's `learning_rate.value` is a float32 tensor: `lr.value == 0.01` compares in
        # float32 (a Python float of the rounded value would not equal 0.01).
        return torch.tensor(float(self), dtype=torch.float32)

    @property
    def dtype(self):
        return "float32"

    def assign(self, value):
        # Keras 2 scripts write `opt.lr.assign(x)` / `K.set_value(opt.lr, x)`.
        if self._optimizer is None:
            raise TypeError("This learning rate value is not bound to an optimizer.")
        self._optimizer.learning_rate = value


_warned = set()
_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_stacklevel():
    # Point the warning at the user's line, however deep inside this package it was raised,
    # so Python's default filters show it (DeprecationWarning is shown for __main__ code).
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == _PKG_DIR:
        frame, level = frame.f_back, level + 1
    return level


def warn_once(key, message):
    if key in _warned:
        return
    _warned.add(key)
    warnings.warn(message, DeprecationWarning, stacklevel=_user_stacklevel())


def looks_like_params(obj):
    """True for torch's `params` argument (tensors, (name, tensor) pairs or group dicts)."""
    if obj is None or isinstance(obj, (str, bytes, int, float, dict)) or callable(obj):
        return False
    if isinstance(obj, torch.Tensor):
        return obj.ndim > 0
    return hasattr(obj, "__iter__") and not hasattr(obj, "get_config")


def check_base_args(clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
                    ema_overwrite_frequency, gradient_accumulation_steps):
    if gradient_accumulation_steps is not None and (
            isinstance(gradient_accumulation_steps, bool)
            or not isinstance(gradient_accumulation_steps, int)
            or gradient_accumulation_steps < 2):
        raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                         f"gradient_accumulation_steps={gradient_accumulation_steps}")
    if use_ema:
        if not 0 <= ema_momentum <= 1:
            raise ValueError("`ema_momentum` must be in the range [0, 1]. Received: "
                             f"ema_momentum={ema_momentum}")
        if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                        or ema_overwrite_frequency < 1):
            raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                             f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
    if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
        raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                         f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                         f"global_clipnorm={global_clipnorm}")


class StateTensor(torch.Tensor):
    """One entry of `optimizer.variables`: a tensor that also answers Keras's variable API
    (`.value`, `.assign`), so Keras-style code can read and restore optimizer state. Slots share
    the optimizer's storage; scalars (iterations, hyperparameters) write back through `_sync`."""

    _sync = None

    @property
    def value(self):
        return self.as_subclass(torch.Tensor)

    def assign(self, value):
        value = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value)
        with torch.no_grad():
            self.as_subclass(torch.Tensor).copy_(value.to(self.device))
        if self._sync is not None:
            self._sync(self.as_subclass(torch.Tensor))
        return self


def state_tensor(t, sync=None):
    out = t.as_subclass(StateTensor)
    out._sync = sync
    return out
