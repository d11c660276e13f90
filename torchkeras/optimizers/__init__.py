"""Keras 3 optimizers as `torch.optim.Optimizer` subclasses (see base_optimizer.py)."""

from torchkeras.optimizers import schedules
from torchkeras.optimizers.adadelta import Adadelta
from torchkeras.optimizers.adafactor import Adafactor
from torchkeras.optimizers.adagrad import Adagrad
from torchkeras.optimizers.adam import Adam
from torchkeras.optimizers.adamax import Adamax
from torchkeras.optimizers.adamw import AdamW
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.ftrl import Ftrl
from torchkeras.optimizers.lamb import Lamb
from torchkeras.optimizers.lion import Lion
from torchkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from torchkeras.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from torchkeras.optimizers.muon import Muon
from torchkeras.optimizers.nadam import Nadam
from torchkeras.optimizers.rmsprop import RMSprop
from torchkeras.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from torchkeras.optimizers.sgd import SGD
from torchkeras.utils import serialization as _serialization

ALL_OBJECTS = {Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion,
               Ftrl, Adafactor, Lamb, Muon, ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer}
# Keras resolves built-in names case-insensitively ("adam", "Adam", "RMSprop", "rmsprop").
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """The optimizer's Keras 3 config dict ({"module", "class_name", "config", ...})."""
    return _serialization.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from a Keras config dict (Keras 3 or Keras 2 style)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("Could not interpret optimizer config: expected a dict with "
                         f"'class_name' and 'config' keys. Received: {config!r}")
    config = dict(config)
    config.setdefault("config", {})
    if config["class_name"].lower() in ALL_OBJECTS_DICT:
        config["class_name"] = config["class_name"].lower()
    return _serialization.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT,
        kind="optimizer")


def get(identifier):
    """An optimizer from a name ("adam", "SGD", ...), a config dict, or an instance."""
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        if identifier.lower() not in ALL_OBJECTS_DICT and _serialization.get_registered_object(
                identifier) is None:
            valid = sorted(n for n in ALL_OBJECTS_DICT if n != "optimizer")
            raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. "
                             f"Expected one of {valid}, an Optimizer instance or a config dict.")
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Expected an "
                     "optimizer name such as 'adam', an Optimizer instance or a config dict.")


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "Lion", "Ftrl", "Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW",
           "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap", "schedules", "serialize", "deserialize", "get"]
