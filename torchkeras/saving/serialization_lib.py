"""Whole-model configs: safe mode, build/compile configs, JSON, and Keras's compile_config format.

The per-object format (`{"module", "class_name", "config", "registered_name"}`) and the registry
live in `torchkeras.utils.serialization`; this module adds what loading a *model* needs on top:
building a restored model from its `build_config` so its variables exist before the weights are
read, re-compiling it from its `compile_config`, and the safe-mode switch that keeps stored Python
bytecode (Lambda layers) from running unless the user asks for it.
"""

import json
import threading

import numpy as np

from torchkeras.utils import serialization as _ser

_state = threading.local()
_UNSAFE_GLOBAL = {"enabled": False}


def in_safe_mode():
    """True while loading code must not run stored bytecode (the default)."""
    value = getattr(_state, "safe_mode", None)
    if value is not None:
        return value
    return not _UNSAFE_GLOBAL["enabled"]


def enable_unsafe_deserialization():
    """Allow Lambda bytecode everywhere (Keras's `keras.config.enable_unsafe_deserialization`)."""
    _UNSAFE_GLOBAL["enabled"] = True


class SafeModeScope:
    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._previous = getattr(_state, "safe_mode", None)
        _state.safe_mode = self.safe_mode
        return self

    def __exit__(self, *exc):
        _state.safe_mode = self._previous


# Lambda asks `torchkeras.utils.serialization.in_safe_mode()`; answer it from here.
if not hasattr(_ser, "in_safe_mode"):
    _ser.in_safe_mode = in_safe_mode


def serialize_keras_object(obj):
    return _ser.serialize_keras_object(obj)


def _is_ref(value):
    return isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and isinstance(value[1], int)


def normalize_functional_refs(config):
    """Keras writes a single-input functional model's `input_layers` as one flat `[name, 0, 0]`."""
    if isinstance(config, list):
        return [normalize_functional_refs(c) for c in config]
    if not isinstance(config, dict):
        return config
    out = {k: normalize_functional_refs(v) for k, v in config.items()}
    if config.get("class_name") == "Functional" and isinstance(out.get("config"), dict):
        inner = out["config"]
        for key in ("input_layers", "output_layers"):
            if _is_ref(inner.get(key)):
                inner[key] = [inner[key]]
    return out


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuild an object; a model also gets its `build_config` and `compile_config` applied."""
    with SafeModeScope(safe_mode), _ser.CustomObjectScope(custom_objects or {}):
        obj = _ser.deserialize_keras_object(config, custom_objects=custom_objects, **kwargs)
        if isinstance(config, dict):
            apply_build_config(obj, config.get("build_config"))
            compile_cfg = config.get("compile_config")
            if compile_cfg:
                compile_from_config(obj, compile_cfg, custom_objects)
    return obj


def apply_build_config(obj, build_config):
    from torchkeras.layers.layer import Layer, standardize_shape
    from torchkeras.models.model import Model

    if not isinstance(obj, Layer) or obj.built or not build_config:
        return
    shape = build_config.get("input_shape")
    if shape is None:
        if "shapes_dict" in build_config:  # Keras's form for layers with several named inputs (attention)
            obj.build_from_config(build_config)
        return
    if isinstance(obj, Model) and hasattr(obj, "build"):
        # A subclassed model creates its sub-layers' variables only by running `call` once.
        obj.build(standardize_shape(shape))
    else:
        obj.build_from_config(build_config)


# --------------------------------------------------------------------------- compile config
def serialize_compile_config(model):
    """Keras's compile_config: the compile() arguments, with the optimizer as the live instance."""
    getter = getattr(model, "get_compile_config", None)
    cfg = getter() if getter is not None else None
    if not cfg:
        return None
    cfg = dict(cfg)
    if getattr(model, "optimizer", None) is not None and hasattr(model.optimizer, "get_config"):
        cfg["optimizer"] = model.optimizer
    if cfg.get("jit_compile") == "auto":
        cfg["jit_compile"] = False
    return _ser.serialize_keras_object(cfg)


def _restore_compile_value(value, custom_objects):
    if isinstance(value, list):
        return [_restore_compile_value(v, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        if value["class_name"] == "function":
            name = value.get("config")
            found = _ser.get_registered_object(value.get("registered_name") or name, custom_objects)
            if found is None and isinstance(name, str):
                found = _ser.get_registered_object(name, custom_objects)
            return found if found is not None else name  # compile() resolves built-in names
        return _ser.deserialize_keras_object(value, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: _restore_compile_value(v, custom_objects) for k, v in value.items()}
    return value


def compile_from_config(model, config, custom_objects=None):
    """Re-compile `model` from a Keras compile_config and create the optimizer's variables."""
    from torchkeras import optimizers
    from torchkeras.trainers.trainer import Trainer

    if not hasattr(model, "compile"):
        return
    own = getattr(type(model), "compile_from_config", None)
    if own is not None and own is not Trainer.compile_from_config:
        model.compile_from_config(config)  # as Keras: a model's own override decides
        return
    args = {}
    for key, value in config.items():
        if key == "optimizer" and isinstance(value, dict):
            args[key] = optimizers.deserialize(value, custom_objects=custom_objects)
        else:
            args[key] = _restore_compile_value(value, custom_objects)
    model.compile(**args)
    opt = getattr(model, "optimizer", None)
    if isinstance(opt, optimizers.Optimizer) and model.built:
        # As Keras: the slots exist before the saved optimizer variables are read into them. Same
        # variable list as the trainer's first step (plain torch parameters after the Keras weights).
        weights = list(model.trainable_weights)
        covered = {id(getattr(v, "param", v)) for v in weights}
        extra = [p for p in model.parameters() if p.requires_grad and id(p) not in covered]
        opt.build(weights + extra)


# --------------------------------------------------------------------------- JSON
class _Encoder(json.JSONEncoder):
    def default(self, obj):
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, (set, frozenset)):
            return sorted(obj)
        return super().default(obj)


def to_json(obj, **kwargs):
    return json.dumps(obj, cls=_Encoder, **kwargs)


def model_to_json(model, **kwargs):
    """`model.to_json()`: the same config as in a `.keras` file, as a JSON string."""
    from torchkeras.saving.keras_zip import model_config
    return to_json(model_config(model), **kwargs)


def model_from_json(json_string, custom_objects=None):
    """A model (uncompiled, freshly initialized) from `model.to_json()` (Keras 3 or Keras 2)."""
    from torchkeras.saving.legacy_config import (
        is_keras2_version,
        is_legacy_config,
        upgrade_legacy_config,
    )

    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as err:
        raise ValueError(f"`model_from_json` expects the JSON string from `model.to_json()`; it could not "
                         f"be parsed: {err}") from err
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("`model_from_json` expects a JSON object with 'class_name' and 'config' keys "
                         f"(the output of `model.to_json()`). Received: {str(json_string)[:200]}")
    if is_legacy_config(config):
        config = upgrade_legacy_config(config, keras2=is_keras2_version(config.get("keras_version")))
    config = {k: v for k, v in config.items() if k != "compile_config"}
    return deserialize_keras_object(config, custom_objects=custom_objects)
