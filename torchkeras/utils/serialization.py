"""Keras 3 object (de)serialization: the `{"module", "class_name", "config",
"registered_name"}` dict format and the custom-object registry.

Configs produced here are meant to be loadable by real Keras and vice versa, so
torchkeras classes report the public Keras module they mirror (e.g.
`torchkeras.initializers` -> `keras.initializers`). A class can override this
with a `_keras_module` attribute set on the class itself (not inherited), e.g.
`_keras_module = "keras"` for `Sequential`.
"""

import inspect
import threading
import types

import numpy as np
import torch

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}
_scope = threading.local()

PLAIN_TYPES = (str, int, float, bool)


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function under `"package>name"`."""

    def decorator(arg):
        registered_name = f"{package}>{name if name is not None else arg.__name__}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(
                "Cannot register a class that does not have a get_config() method. "
                f"Received: {arg}. Add a get_config() returning its constructor arguments."
            )
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_custom_objects():
    """The global registry dict (name -> object); may be edited directly."""
    return _GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj):
    """Registered `"package>name"` of `obj`, or its plain `__name__`."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def _scope_objects():
    return getattr(_scope, "objects", {})


class CustomObjectScope:
    """Context manager making `custom_objects` visible to deserialization."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})
        self._backup = None

    def __enter__(self):
        self._backup = _scope_objects()
        _scope.objects = {**self._backup, **self.custom_objects}
        return self

    def __exit__(self, *args):
        _scope.objects = self._backup


custom_object_scope = CustomObjectScope


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Look `name` up: active scope, global registry, `custom_objects`, then
    `module_objects`. Returns None when not found."""
    scoped = _scope_objects()
    for table in (scoped, _GLOBAL_CUSTOM_OBJECTS, custom_objects or {}, module_objects or {}):
        if name in table:
            return table[name]
    return None


def _keras_module_of(cls):
    parts = cls.__module__.split(".")
    if parts[0] != "torchkeras" or len(parts) < 2:
        return cls.__module__  # user classes keep their own module, as in Keras
    # only a class's own `_keras_module` counts: subclasses usually live elsewhere
    return cls.__dict__.get("_keras_module") or "keras." + parts[1]


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def serialize_keras_object(obj):
    """Serialize `obj` to Keras 3's dict format (plain values pass through)."""
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, torch.Tensor):
        value = obj.detach().cpu().numpy()
        return {"class_name": "__tensor__",
                "config": {"value": value.tolist(), "dtype": _dtype_name(obj.dtype)}}
    if isinstance(obj, torch.dtype):
        return _dtype_name(obj)
    if type(obj).__module__ == np.__name__:
        if isinstance(obj, np.ndarray) and obj.ndim > 0:
            return {"class_name": "__numpy__",
                    "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
        return obj.item()
    if isinstance(obj, types.FunctionType):
        if obj.__name__ == "<lambda>":
            raise ValueError(
                f"Cannot serialize the lambda {obj}: lambdas have no importable name. "
                "Use a named function decorated with "
                "@register_keras_serializable() instead."
            )
        # Keras records plain functions as the generic `function` class whose
        # config is the function's (registered) name.
        return {"module": "builtins", "class_name": "function",
                "config": get_registered_name(obj), "registered_name": "function"}
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize object {obj} of type {type(obj)}. To be serializable, "
            "a class must implement the `get_config()` method."
        )
    inner = obj.get_config()
    if not isinstance(inner, dict):
        raise TypeError(f"The `get_config()` method of {obj} should return a dict. "
                        f"It returned: {inner}")
    cls = obj.__class__
    registered = _GLOBAL_CUSTOM_NAMES.get(cls)
    config = {
        "module": cls.__module__ if registered else _keras_module_of(cls),
        "class_name": cls.__dict__.get("_keras_class_name", cls.__name__),
        "config": serialize_keras_object(inner),
        "registered_name": registered,
    }
    if not registered and not cls.__module__.startswith("torchkeras."):
        config["registered_name"] = cls.__name__
    for attr, key in (("get_build_config", "build_config"),
                      ("get_compile_config", "compile_config")):
        if hasattr(obj, attr):
            extra = getattr(obj, attr)()
            if extra is not None:
                config[key] = serialize_keras_object(extra)
    return config


def _unknown(kind, name, module_objects):
    valid = sorted(module_objects) if module_objects else []
    hint = f" Valid names: {valid}." if valid else ""
    return ValueError(
        f"Could not interpret {kind} identifier: {name!r}.{hint} For a custom object, "
        "pass it in `custom_objects` or decorate it with @register_keras_serializable()."
    )


def _from_keras_module(module, class_name):
    """Resolve a Keras config's "module" ("keras.layers", "keras", "keras.src.models.functional")."""
    import importlib

    if not module or not module.startswith("keras"):
        return None
    # As Keras: a class defined in a module of the keras package itself (its tests) is found in that
    # module; only an already imported one, so that torchkeras never imports Keras, and only a class
    # built on torchkeras (where real Keras is imported too, its classes are not ours to return).
    import sys
    own = getattr(sys.modules.get(module), class_name, None)
    if isinstance(own, type) and any(c.__module__.startswith("torchkeras") for c in own.__mro__):
        return own
    if module == "keras.src.layers.preprocessing.feature_space":
        from torchkeras.utils import _feature_space_parts
        if hasattr(_feature_space_parts, class_name):
            return getattr(_feature_space_parts, class_name)
    if class_name == "Functional":
        from torchkeras.models.functional import Functional
        return Functional
    candidates = ["torchkeras" + module[len("keras"):], "torchkeras"]
    if ".src." in module:
        candidates.insert(0, "torchkeras." + module.split(".")[2])
    for name in candidates:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(mod, class_name):
            return getattr(mod, class_name)
    return None


def deserialize_keras_object(config, custom_objects=None, module_objects=None,
                             kind="object"):
    """Inverse of `serialize_keras_object`.

    Strings and `{"class_name": ...}` dicts are resolved through the custom
    object scope, the registry, `custom_objects` and `module_objects`; unknown
    names raise ValueError listing the valid `module_objects` names.
    """
    if config is None:
        return None
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects, module_objects)
        if found is None:
            raise _unknown(kind, config, module_objects)
        return found
    if isinstance(config, PLAIN_TYPES):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(x, custom_objects) for x in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}. Expected a str or a dict.")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects) for k, v in config.items()}
    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        return torch.tensor(np.array(inner["value"], dtype=inner["dtype"]))
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(x, custom_objects) for x in inner["value"])
    if class_name == "function":
        name = inner if config.get("module") in (None, "builtins") else (
            config.get("registered_name") or inner)
        return deserialize_keras_object(name, custom_objects, module_objects, kind)
    obj = None
    registered = config.get("registered_name")
    if registered:
        obj = get_registered_object(registered, custom_objects)
    if obj is None:
        obj = get_registered_object(class_name, custom_objects, module_objects)
    if obj is None:
        obj = _from_keras_module(config.get("module"), class_name)
    if obj is None:
        raise _unknown(kind, class_name, module_objects)
    if not inspect.isclass(obj):
        return obj
    if hasattr(obj, "from_config"):
        return obj.from_config(inner)
    return obj(**inner)
