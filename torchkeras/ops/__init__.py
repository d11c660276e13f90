"""keras.ops: NumPy-style tensor functions on torch tensors.

Each function accepts torch tensors, numpy arrays and Python values, and symbolic KerasTensors
(then it is recorded as a functional-API node). Functions that create tensors from nothing
(zeros, ones, arange, eye, ...) follow torch's default device and return floatx (float32) unless
given a dtype. The sub-namespaces `numpy`, `nn`, `linalg` and `image` hold Keras's same groupings.
"""

from torchkeras.ops import _specs, linalg
from torchkeras.ops import array as _array
from torchkeras.ops import control_flow as _control_flow
from torchkeras.ops import conv as _conv
from torchkeras.ops import core as _core
from torchkeras.ops import ctc as _ctc
from torchkeras.ops import elementwise as _elementwise
from torchkeras.ops import manipulation as _manipulation
from torchkeras.ops import math as _math
from torchkeras.ops import nn as _nn
from torchkeras.ops import nn_extra as _nn_extra
from torchkeras.ops import products as _products
from torchkeras.ops import search as _search
from torchkeras.ops import signal as _signal
from torchkeras.ops import spacing as _spacing
from torchkeras.ops import stats as _stats

_MODULES = [_core, _control_flow, _math, _elementwise, _array, _manipulation, _stats, _search, _products,
            _signal, _spacing, _nn, _nn_extra, _conv, _ctc, linalg]


def _export():
    # Only the functions the ops modules define (not their imports such as `torch` or helpers).
    names = []
    for module in _MODULES:
        for name, obj in vars(module).items():
            if not name.startswith("_") and callable(obj) and \
                    getattr(obj, "__module__", "") == module.__name__:
                globals()[name] = obj
                names.append(name)
    return sorted(set(names))


__all__ = _export()
_specs.register()

# The namespaces read the names exported above; keras.ops.image names stay in their namespace, as Keras.
from torchkeras.ops import image, numpy  # noqa: E402

__all__ += ["image", "linalg", "numpy", "nn"]
