"""The torchkeras objects our TestCase port works with: Keras's public names where torchkeras has
them, else torchkeras's own equivalent (the port measures layers, not the harness's imports)."""

import importlib

import numpy as np
import torch

import torchkeras


def pick(*paths):
    """The first of `paths` (dotted, under torchkeras) that exists, else None."""
    for path in paths:
        module, _, name = path.rpartition(".")
        try:
            obj = getattr(importlib.import_module(module), name, None)
        except ImportError:
            obj = None
        if obj is not None:
            return obj
    return None


KerasTensor = pick("torchkeras.KerasTensor", "torchkeras.keras_tensor.KerasTensor")
Model = torchkeras.Model
Loss = torchkeras.losses.Loss
ops = torchkeras.ops
SeedGenerator = pick("torchkeras.random.SeedGenerator")


def backend_name():
    return torchkeras.backend.backend()


def clear_session():
    fn = pick("torchkeras.backend.clear_session", "torchkeras.config.clear_session")
    try:
        fn(free_memory=False)
    except TypeError:
        fn()


def standardize_dtype(dtype):
    # `is`, not `in`: numpy dtypes compare equal to Python's float/int types.
    if any(dtype is t for t in (int, float, bool)):
        dtype = {int: "int32", float: "float32", bool: "bool"}[dtype]
    return torchkeras.backend.standardize_dtype(dtype)


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def to_numpy(x):
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        return x.float().numpy() if x.dtype == torch.bfloat16 else x.numpy()
    if hasattr(x, "numpy") and not isinstance(x, (list, tuple, dict)):
        return np.asarray(x.numpy())
    return np.array(x)


def custom_object_scope(objects):
    return torchkeras.saving.custom_object_scope(objects)


def serialize(obj):
    return torchkeras.saving.serialize_keras_object(obj)


def deserialize(config):
    return torchkeras.saving.deserialize_keras_object(config)


def uniform(shape):
    return torchkeras.random.uniform(shape, dtype="float32")


def cast(x, dtype):
    return ops.cast(x, dtype)


def cuda_available():
    return torch.cuda.is_available()
