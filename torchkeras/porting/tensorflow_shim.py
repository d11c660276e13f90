"""A stand-in `tensorflow` module for ported scripts: `tf.keras` is torchkeras, the usual TensorFlow
boilerplate around Keras code maps to torch, and anything else stops with an error naming the symbol.
"""

import collections
import importlib
import importlib.machinery
import logging
import types

import numpy as np
import torch

VERSION = "2.16.0+torchkeras"


class UnsupportedTensorFlowError(AttributeError):
    """A TensorFlow symbol torchkeras does not emulate (an AttributeError, so `hasattr(tf, x)` is False)."""


def _unsupported(symbol):
    return UnsupportedTensorFlowError(
        f"`{symbol}` is TensorFlow, which torchkeras does not emulate: the porting runner maps `keras` / "
        "`tf.keras` to torchkeras (Keras on PyTorch) plus a few boilerplate calls (tf.random.set_seed, "
        "tf.config.list_physical_devices, tf.config.experimental.set_memory_growth, tf.constant, "
        f"tf.convert_to_tensor, dtypes). Rewrite this use of `{symbol}` with keras.ops or torch.")


class Namespace(types.ModuleType):
    """`tf` and `tf.config`-style namespaces: known names are attributes; others raise clearly."""

    def __init__(self, name, **members):
        super().__init__(name)
        self.__dict__.update(members)
        self.__path__ = []

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        raise _unsupported(f"{self.__name__.replace('tensorflow', 'tf', 1)}.{attr}")


PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])


def list_physical_devices(device_type=None):
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    if torch.cuda.is_available():
        devices += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(torch.cuda.device_count())]
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == str(device_type).upper()]


def list_logical_devices(device_type=None):
    return [PhysicalDevice(d.name.replace("physical_device", "device"), d.device_type)
            for d in list_physical_devices(device_type)]


def set_memory_growth(device, enable):
    """No-op: torch's caching allocator already takes GPU memory as it is needed."""
    if not isinstance(device, PhysicalDevice):
        raise ValueError(f"set_memory_growth expects a device from tf.config.list_physical_devices(); "
                         f"received {device!r}.")


def get_memory_growth(device):
    return True


def set_seed(seed):
    """tf.random.set_seed: seeds torch (CPU and CUDA)."""
    torch.manual_seed(int(seed))


_DTYPES = {name: getattr(torch, name) for name in (
    "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
    "complex64", "complex128")}
_DTYPES["double"], _DTYPES["half"] = torch.float64, torch.float16


def _dtype(dtype):
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    name = getattr(dtype, "name", None) or np.dtype(dtype).name
    if name not in _DTYPES:
        raise TypeError(f"Unsupported dtype {dtype!r}: expected one of {sorted(_DTYPES)}.")
    return _DTYPES[name]


def constant(value, dtype=None, shape=None, name=None):
    """tf.constant as a torch tensor: Python floats become float32 and ints int32 (TensorFlow's
    defaults); numpy arrays keep their dtype."""
    from torchkeras.ops._common import tensor
    t = tensor(value, dtype=_dtype(dtype))
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        t = t.reshape(shape) if t.numel() == int(np.prod(shape)) and t.dim() else torch.broadcast_to(t, shape)
        t = t.clone()
    return t


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    if isinstance(value, torch.Tensor) and dtype is None:
        return value
    return constant(value, dtype=dtype if dtype is not None else None)


def _make():
    config = Namespace(
        "tensorflow.config", list_physical_devices=list_physical_devices,
        list_logical_devices=list_logical_devices, set_memory_growth=set_memory_growth,
        get_visible_devices=list_physical_devices,
        run_functions_eagerly=lambda run_eagerly: None,  # torch always runs eagerly
        experimental=Namespace("tensorflow.config.experimental", set_memory_growth=set_memory_growth,
                               get_memory_growth=get_memory_growth, list_physical_devices=list_physical_devices),
        threading=Namespace("tensorflow.config.threading",
                            set_intra_op_parallelism_threads=lambda n: torch.set_num_threads(n) if n else None,
                            set_inter_op_parallelism_threads=lambda n: None,
                            get_intra_op_parallelism_threads=torch.get_num_threads))
    tf = Namespace(
        "tensorflow", __version__=VERSION, config=config,
        random=Namespace("tensorflow.random", set_seed=set_seed),
        constant=constant, convert_to_tensor=convert_to_tensor,
        get_logger=lambda: logging.getLogger("tensorflow"),
        test=Namespace("tensorflow.test", is_gpu_available=lambda *a, **k: torch.cuda.is_available(),
                       is_built_with_cuda=lambda: torch.backends.cuda.is_built(),
                       gpu_device_name=lambda: "/device:GPU:0" if torch.cuda.is_available() else ""),
        **_DTYPES)
    tf.__dict__["keras"] = importlib.import_module("keras")
    return tf


_SUBMODULES = {"tensorflow.config": ("config",), "tensorflow.random": ("random",),
               "tensorflow.config.experimental": ("config", "experimental")}


def find_spec(fullname, loader_cls):
    """Spec for `tensorflow` or one of the shim's namespaces; anything else fails with a clear error."""
    if fullname == "tensorflow":
        return importlib.machinery.ModuleSpec(fullname, loader_cls(_make), is_package=True)
    if fullname in _SUBMODULES:
        def get():
            obj = importlib.import_module("tensorflow")
            for part in _SUBMODULES[fullname]:
                obj = obj.__dict__[part]
            return obj
        return importlib.machinery.ModuleSpec(fullname, loader_cls(get), is_package=True)
    raise ModuleNotFoundError(f"No module named {fullname!r}: " + str(_unsupported(fullname)), name=fullname)
