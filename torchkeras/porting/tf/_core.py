"""What every emulated TensorFlow namespace shares: DType objects, TF's conversion and dtype rules,
TF's error classes, and the error for symbols that are not emulated."""

import types

import numpy as np
import torch

from torchkeras.porting.tf.strings_array import StringTensor, is_string
from torchkeras.variables import Variable as KerasVariable

VERSION = "2.16.0+torchkeras"


# -- errors -----------------------------------------------------------------------------------
class OpError(Exception):
    """tf.errors.OpError: the base of TensorFlow's runtime errors."""

    def __init__(self, node_def=None, op=None, message=None, *args):
        if message is None and isinstance(node_def, str) and op is None:
            node_def, message = None, node_def
        super().__init__(message)
        self.message, self.node_def, self.op = message, node_def, op


def _error(name, base=OpError):
    return type(name, (base,), {"__doc__": f"tf.errors.{name}.", "__module__": "tensorflow.errors"})


InvalidArgumentError = _error("InvalidArgumentError")
OutOfRangeError = _error("OutOfRangeError")
NotFoundError = _error("NotFoundError")
UnimplementedError = _error("UnimplementedError")
ResourceExhaustedError = _error("ResourceExhaustedError")
FailedPreconditionError = _error("FailedPreconditionError")
UnknownError = _error("UnknownError")
InternalError = _error("InternalError")


class UnsupportedTensorFlowError(AttributeError):
    """A TensorFlow symbol torchkeras does not emulate (an AttributeError, so `hasattr(tf, x)` is False)."""


# keras.ops names where TensorFlow's spelling differs.
_KERAS_EQUIVALENT = {
    "reduce_logsumexp": "logsumexp", "reduce_std": "std", "reduce_variance": "var", "reduce_euclidean_norm": "norm",
    "segment_sum": "segment_sum", "unsorted_segment_sum": "segment_sum", "unsorted_segment_max": "segment_max",
    "bincount": "bincount", "histogram_fixed_width": "histogram", "searchsorted": "searchsorted",
    "extract_patches": "image.extract_patches", "fft": "fft", "rfft": "rfft", "stft": "stft",
    "scatter_nd": "scatter", "tensor_scatter_nd_update": "scatter_update", "ctc_loss": "ctc_loss",
    "ctc_greedy_decoder": "ctc_decode", "conv3d": "conv", "conv2d_transpose": "conv_transpose",
    "depthwise_conv2d": "depthwise_conv", "separable_conv2d": "separable_conv", "max_pool3d": "max_pool",
    "while_loop": "while_loop", "cond": "cond", "switch_case": "switch", "map_fn": "map", "scan": "scan",
    "slogdet": "slogdet", "svd": "svd", "qr": "qr", "eig": "eig", "eigh": "eigh", "lu": "lu_factor",
    "affine_transform": "image.affine_transform", "rgb_to_hsv": "image.rgb_to_hsv",
    "hsv_to_rgb": "image.hsv_to_rgb", "erfinv": "erfinv", "igamma": "igamma", "lgamma": "lgamma",
    "digamma": "digamma", "unique_with_counts": "unique",
}
_KERAS_OPS = None


def _keras_ops_names():
    global _KERAS_OPS
    if _KERAS_OPS is None:
        import torchkeras.ops as ops
        _KERAS_OPS = {n for n in dir(ops) if not n.startswith("_")}
    return _KERAS_OPS


def unsupported(symbol):
    """The error for a TensorFlow symbol with no emulation: names it and its keras.ops replacement."""
    leaf = symbol.rsplit(".", 1)[-1]
    equivalent = _KERAS_EQUIVALENT.get(leaf) or (leaf if leaf in _keras_ops_names() else None)
    hint = (f" Use `keras.ops.{equivalent}` instead." if equivalent
            else " Rewrite it with keras.ops or torch.")
    return UnsupportedTensorFlowError(
        f"`{symbol}` is TensorFlow, which torchkeras does not emulate: the porting runner serves `tf.keras` "
        f"with torchkeras (Keras on PyTorch) and emulates the common `tf.*` API on torch.{hint}")


def namespace_getattr(tf_name):
    """A module `__getattr__` raising `unsupported` for every public name the module lacks."""
    def __getattr__(attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        raise unsupported(f"{tf_name}.{attr}")
    return __getattr__


# -- dtypes ----------------------------------------------------------------------------------
class DType:
    """tf.DType: a named dtype equal to its name, its numpy dtype and its torch dtype."""

    def __init__(self, name, torch_dtype, np_dtype):
        self._name, self._torch, self._np = name, torch_dtype, np_dtype

    name = property(lambda self: self._name)
    as_numpy_dtype = property(lambda self: self._np.type if self._np is not None else object)
    as_datatype_enum = property(lambda self: _ENUMS.get(self._name, 0))
    base_dtype = property(lambda self: self)
    is_floating = property(lambda self: self._torch is not None and self._torch.is_floating_point)
    is_complex = property(lambda self: self._torch is not None and self._torch.is_complex)
    is_integer = property(lambda self: self._np is not None and self._np.kind in "iu")
    is_unsigned = property(lambda self: self._np is not None and self._np.kind == "u")
    is_bool = property(lambda self: self._name == "bool")
    is_numpy_compatible = property(lambda self: True)
    size = property(lambda self: self._np.itemsize if self._np is not None else 8)
    torch = property(lambda self: self._torch)

    @property
    def real_dtype(self):
        return {"complex64": float32, "complex128": float64}.get(self._name, self)

    @property
    def min(self):
        return torch.finfo(self._torch).min if self.is_floating else (
            torch.iinfo(self._torch).min if self.is_integer else False)

    @property
    def max(self):
        return torch.finfo(self._torch).max if self.is_floating else (
            torch.iinfo(self._torch).max if self.is_integer else True)

    def is_compatible_with(self, other):
        return self == other

    def __eq__(self, other):
        if isinstance(other, DType):
            return other._name == self._name
        try:
            return as_dtype(other)._name == self._name
        except (TypeError, ValueError):
            return False

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f"tf.{self._name}"

    def __str__(self):
        return f"<dtype: {self._name!r}>"

    def __reduce__(self):
        return as_dtype, (self._name,)


_ENUMS = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "string": 7, "complex64": 8,
          "int64": 9, "bool": 10, "bfloat16": 14, "uint16": 17, "complex128": 18, "float16": 19, "uint32": 22,
          "uint64": 23}
DTYPES = {}
for _n in ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
           "uint32", "uint64", "bool", "complex64", "complex128"):
    DTYPES[_n] = DType(_n, getattr(torch, _n), None if _n == "bfloat16" else np.dtype(_n))
DTYPES["string"] = DType("string", None, np.dtype(object))
float16, bfloat16, float32, float64 = (DTYPES[n] for n in ("float16", "bfloat16", "float32", "float64"))
int32, int64, string = DTYPES["int32"], DTYPES["int64"], DTYPES["string"]
_ALIASES = {"half": "float16", "float": "float32", "double": "float64", "str": "string", "bytes": "string",
            "object": "string", "int": "int32", "long": "int64"}
_FROM_TORCH = {d._torch: d for d in DTYPES.values() if d._torch is not None}


def as_dtype(value):
    """tf.as_dtype: a DType from a DType, name, numpy dtype/type or torch dtype."""
    if isinstance(value, DType):
        return value
    if isinstance(value, torch.dtype):
        if value in _FROM_TORCH:
            return _FROM_TORCH[value]
    elif isinstance(value, str):
        name = _ALIASES.get(value, value)
        if name in DTYPES:
            return DTYPES[name]
    elif value in (str, bytes, object):
        return string
    elif value is float:
        return float32
    elif value is int:
        return int32
    elif value is bool:
        return DTYPES["bool"]
    elif isinstance(getattr(value, "name", None), str) and _ALIASES.get(value.name, value.name) in DTYPES:
        return DTYPES[_ALIASES.get(value.name, value.name)]  # another library's DType (real TF's, Keras's)
    else:
        try:
            np_name = np.dtype(value).name
        except TypeError:
            np_name = None
        if np_name in DTYPES:
            return DTYPES[np_name]
        if np_name is not None and np.dtype(value).kind in "SUO":
            return string
    raise TypeError(f"Cannot convert {value!r} to a TensorFlow DType: expected one of {sorted(DTYPES)}.")


def torch_dtype(dtype):
    """The torch dtype behind any TF dtype spelling (None for strings and for None)."""
    return None if dtype is None else as_dtype(dtype)._torch


def dtype_of(x):
    """The DType of a tensor, variable, string array or Python/numpy value (as TF would convert it)."""
    if isinstance(x, torch.Tensor):
        return _FROM_TORCH[x.dtype]
    if is_string(x):
        return string
    return _FROM_TORCH[convert(x).dtype]


# -- conversion -------------------------------------------------------------------------------
def _default_array(value):
    """numpy array of a Python value with TF's defaults (float32, int32; numpy inputs keep theirs)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in _leaves(value)):
        return None
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        if arr.size and (arr.max() > np.iinfo(np.int32).max or arr.min() < np.iinfo(np.int32).min):
            return arr.astype(np.int64)
        return arr.astype(np.int32)
    if arr.dtype.kind == "c":
        return arr.astype(np.complex128)
    return arr


def _leaves(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _leaves(v)
        else:
            yield v


def convert(value, dtype=None, name="value"):
    """tf.convert_to_tensor: torch tensors pass through (dtype-checked), Python values take TF's
    defaults, strings become StringTensor arrays; a Python float never converts to an integer dtype."""
    target = as_dtype(dtype) if dtype is not None else None
    if isinstance(value, KerasVariable):
        value = value.value
    if isinstance(value, torch.Tensor):
        if target is not None and target._torch != value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {target.name} for Tensor with dtype "
                             f"{_FROM_TORCH[value.dtype].name}: {value!r}")
        return value
    if isinstance(value, StringTensor) or is_string(value) or target is string:
        return StringTensor.of(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in _leaves(value)):
        from torchkeras.porting.tf.array_ops import stack
        return stack([convert(v, dtype) for v in value])
    if target is not None:
        arr = np.asarray(value)
        if arr.dtype.kind == "f" and (target.is_integer or target.is_bool) and not isinstance(value, np.ndarray):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {target.name}")
        if arr.dtype.kind == "c" and not target.is_complex:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {target.name}")
        if arr.dtype == object:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {target.name}")
        return torch.as_tensor(arr).to(target._torch) if target._torch is not torch.bfloat16 else \
            torch.as_tensor(arr.astype(np.float32)).to(torch.bfloat16)
    arr = _default_array(value)
    if arr.dtype == object:
        raise ValueError(f"Attempt to convert a value ({value!r}) with an unsupported type "
                         f"({type(value)}) to a Tensor.")
    return torch.from_numpy(np.require(arr, requirements="C"))


def unify(op, *values):
    """TF's binary-op rule: the first input fixes the dtype; Python/numpy values convert to it; a
    tensor of another dtype is an InvalidArgumentError (TF never promotes)."""
    first = convert(values[0])
    out = [first]
    for i, v in enumerate(values[1:], 1):
        if isinstance(v, (torch.Tensor, KerasVariable)):
            t = convert(v)
            if t.dtype != first.dtype:
                raise InvalidArgumentError(
                    f"cannot compute {op} as input #{i}(zero-based) was expected to be a "
                    f"{_tf_name(first.dtype)} tensor but is a {_tf_name(t.dtype)} tensor [Op:{op}]")
        else:
            arr = np.asarray(v)
            if arr.dtype.kind == "f" and not (first.is_floating_point() or first.is_complex()):
                raise InvalidArgumentError(
                    f"cannot compute {op} as input #{i}(zero-based) was expected to be a "
                    f"{_tf_name(first.dtype)} tensor but is a float tensor [Op:{op}]")
            t = torch.as_tensor(arr).to(first.dtype)
        if t.device != first.device:
            t = t.to(first.device)
        out.append(t)
    return out


def _tf_name(dtype):
    return {"float32": "float", "float64": "double", "float16": "half"}.get(_FROM_TORCH[dtype].name,
                                                                           _FROM_TORCH[dtype].name)


def require(op, x, kinds, allowed):
    """TF's kernel registration check: `x`'s dtype must be one the op has kernels for."""
    d = _FROM_TORCH[x.dtype]
    ok = (("float" in kinds and d.is_floating) or ("complex" in kinds and d.is_complex)
          or ("int" in kinds and d.is_integer and not d.is_unsigned) or ("uint" in kinds and d.is_unsigned)
          or ("bool" in kinds and d.is_bool))
    if not ok:
        raise InvalidArgumentError(f"Value for attr 'T' of {d.name} is not in the list of allowed values: "
                                   f"{allowed} ; NodeDef: {{{{node {op}}}}}")
    return x


class TFModule(types.ModuleType):
    """The class of the emulation's namespace modules, so the porting runner knows them as its own
    (it discards `tensorflow*` modules of any other origin)."""


class Namespace(TFModule):
    """A TF namespace that is not its own file (tf.config.experimental, tf.compat.v1, ...): known
    names are attributes, `fallback` (a module) answers the rest, anything else is `unsupported`."""

    def __init__(self, tf_name, fallback=None, **members):
        super().__init__(tf_name.replace("tf", "tensorflow", 1))
        self.__dict__.update(members)
        self.__dict__["_tf_name"], self.__dict__["_fallback"] = tf_name, fallback
        self.__path__ = []

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        fallback = self.__dict__["_fallback"]
        if fallback is not None:
            try:
                return getattr(fallback, attr)
            except UnsupportedTensorFlowError:
                pass
        raise unsupported(f"{self.__dict__['_tf_name']}.{attr}")
