"""keras.ops: NumPy-style tensor functions on torch tensors.

Each function accepts torch tensors, numpy arrays and Python values, and symbolic KerasTensors
(then it is recorded as a functional-API node). Functions that create tensors from nothing
(zeros, ones, arange, eye, ...) follow torch's default device and return floatx (float32) unless
given a dtype.
"""

from torchkeras.ops import array as _array
from torchkeras.ops import core as _core
from torchkeras.ops import math as _math
from torchkeras.ops import nn as _nn


def _export():
    # Only the functions the ops modules define (not their imports such as `torch` or helpers).
    names = []
    for module in (_core, _math, _array, _nn):
        for name, obj in vars(module).items():
            if not name.startswith("_") and callable(obj) and \
                    getattr(obj, "__module__", "") == module.__name__:
                globals()[name] = obj
                names.append(name)
    return sorted(set(names))


__all__ = _export()
