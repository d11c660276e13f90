"""Keras 3.15 weight regularizers: `__call__(weight) -> scalar torch tensor`."""

import inspect
import math

import numpy as np
import torch

from torchkeras.utils import serialization as _ser

_EPSILON = 1e-7


def _validate_float_arg(value, name):
    if (not isinstance(value, (float, int)) or math.isinf(value) or math.isnan(value)
            or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value}")
    return float(value)


def _as_float32(value):
    # Keras keeps these factors as float32 tensors, so configs report the
    # float32-rounded value (e.g. 0.01 -> 0.009999999776482582).
    return float(np.float32(value))


class Regularizer:
    """Base class: subclasses implement `__call__(x)` and `get_config()`."""

    _keras_module = "keras"  # Keras exports the base as keras.Regularizer

    def __call__(self, x):
        return torch.zeros((), dtype=x.dtype, device=x.device)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = _validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        loss = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1 != 0.0:
            loss = loss + self.l1 * torch.sum(torch.abs(x))
        if self.l2 != 0.0:
            loss = loss + self.l2 * torch.sum(torch.square(x))
        return loss

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(|x|)`."""

    def __init__(self, l1=0.01):
        self.l1 = _as_float32(_validate_float_arg(0.01 if l1 is None else l1, name="l1"))

    def __call__(self, x):
        return self.l1 * torch.sum(torch.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(x**2)`."""

    def __init__(self, l2=0.01):
        self.l2 = _validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        return self.l2 * torch.sum(torch.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """`factor` times the mean |cosine similarity| between distinct rows
    (`mode="rows"`) or columns (`mode="columns"`) of a rank-2 weight."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _as_float32(_validate_float_arg(factor, name="factor"))
        if mode not in {"rows", "columns"}:
            raise ValueError('Invalid value for argument `mode`. Expected one of '
                             f'{{"rows", "columns"}}. Received: mode={mode}')
        self.mode = mode

    def __call__(self, inputs):
        if inputs.dim() != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={tuple(inputs.shape)}")
        vectors = inputs if self.mode == "rows" else inputs.T
        # Keras normalises with x * min(rsqrt(sum x^2), 1/eps) (zero rows stay zero).
        inv_norm = torch.rsqrt(torch.sum(torch.square(vectors), dim=1, keepdim=True))
        unit = vectors * torch.clamp(inv_norm, max=1.0 / _EPSILON)
        product = unit @ unit.T
        size = product.shape[0]
        off_diag = product * (1.0 - torch.eye(size, dtype=inputs.dtype, device=inputs.device))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * torch.sum(torch.abs(off_diag)) / num_pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1l2 = L1, L2, L1L2
ALL_OBJECTS_DICT = {
    "Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "regularizer": Regularizer, "l1": L1, "l2": L2, "l1l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
    "l1_l2": L1L2,  # Keras 2 name, still common in scripts and legacy configs
}


def serialize(regularizer):
    return _ser.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    if config == "l1_l2":
        # Keras 2 special case: the bare string means l1=l2=0.01, unlike L1L2()
        return L1L2(l1=0.01, l2=0.01)
    return _ser.deserialize_keras_object(config, custom_objects=custom_objects,
                                         module_objects=ALL_OBJECTS_DICT, kind="regularizer")


def get(identifier):
    """None -> None; name/config -> a new instance; callables pass through."""
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}. "
                     f"Expected None, a callable or one of {sorted(ALL_OBJECTS_DICT)}.")


# Keras exports the classes under their function-style names too (`keras.regularizers.l1_l2(l1=0.01)`).
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer
