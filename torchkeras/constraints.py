"""Keras 3.15 weight constraints, applied to Keras-layout weights.

`axis` follows the Keras layout: a Dense kernel is (input_dim, units), so
`axis=0` constrains each unit's incoming weight vector; for a Conv2D kernel
(kh, kw, in, out) use `axis=[0, 1, 2]`.
"""

import inspect

import numpy as np
import torch

from torchkeras.utils import serialization as _ser

_EPSILON = 1e-7  # keras.backend.epsilon()


def _tensor(w):
    # As Keras (backend.convert_to_tensor): arrays and variables are accepted, not only tensors.
    if isinstance(w, torch.Tensor):
        return w
    if hasattr(w, "value") and isinstance(w.value, torch.Tensor):
        return w.value
    return torch.as_tensor(np.asarray(w))


def _norms(w, axis):
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.sqrt(torch.sum(torch.square(w), dim=dims, keepdim=True))


class Constraint:
    """Base class: `__call__(w)` returns the projected weight (identity here)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescale weight vectors whose L2 norm along `axis` exceeds `max_value`."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Clip negative weights to zero."""

    def __call__(self, w):
        w = _tensor(w)
        return torch.clamp(w, min=0)


class UnitNorm(Constraint):
    """Scale weight vectors along `axis` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move norms along `axis` towards [min_value, max_value] at `rate`."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * torch.clamp(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
ALL_OBJECTS_DICT = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm,
    "NonNeg": NonNeg, "UnitNorm": UnitNorm,
    "constraint": Constraint, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg, "unit_norm": UnitNorm,
}


def serialize(constraint):
    return _ser.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    return _ser.deserialize_keras_object(config, custom_objects=custom_objects,
                                         module_objects=ALL_OBJECTS_DICT, kind="constraint")


def get(identifier):
    """None -> None; name/config -> a new instance; callables pass through."""
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}. "
                     f"Expected None, a callable or one of {sorted(ALL_OBJECTS_DICT)}.")
