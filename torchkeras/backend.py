"""keras.backend: Keras 3's backend utilities, plus Keras 2's `K.*` tensor functions for porting.

The Keras 3 functions (floatx, epsilon, image_data_format, clear_session, ...) are plain.
The Keras 2 ones (K.mean, K.sum, K.int_shape, K.get_value, ...) come from
torchkeras.porting.keras2_backend and each warns once, naming its Keras 3 replacement.
"""

import torch

from torchkeras import config
from torchkeras.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from torchkeras.keras_tensor import KerasTensor
from torchkeras.porting.keras2_backend import *  # noqa: F403
from torchkeras.porting.keras2_backend import __all__ as _keras2_names

_FLOAT = ("float16", "bfloat16", "float32", "float64")
_INT = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def backend():
    """The name of the backend: torchkeras always runs on torch."""
    return "torch"


def clear_session(free_memory=True):
    """Reset layer-name numbering (and release cached CUDA memory), as keras.backend.clear_session."""
    config.clear_session()
    if free_memory and torch.cuda.is_available():
        torch.cuda.empty_cache()


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


def standardize_dtype(dtype):
    if dtype is None:
        return config.floatx()
    name = str(getattr(dtype, "name", dtype)).replace("torch.", "")
    name = {"float": "float32", "int": "int64", "double": "float64", "half": "float16", "long": "int64"}.get(name, name)
    if name not in _FLOAT + _INT + ("bool", "complex64", "complex128", "string"):
        raise ValueError(f"Invalid dtype: {dtype!r}")
    return name


def is_float_dtype(dtype):
    return standardize_dtype(dtype) in _FLOAT


def is_int_dtype(dtype):
    return standardize_dtype(dtype) in _INT


def result_type(*dtypes):
    """Keras's promotion lattice (not torch's): e.g. int8 with uint32 gives int64, bool with a Python int int32."""
    from torchkeras.ops._dtypes import result_type as keras_result_type

    return keras_result_type(*dtypes)


_UIDS = {}


def get_uid(prefix=""):
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_float_dtype",
           "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon", "set_floatx", "set_image_data_format",
           "standardize_dtype"] + list(_keras2_names)
