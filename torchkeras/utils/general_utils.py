"""keras.utils helpers that are not about data files: Config, the x/y/sample_weight packers, dtype names,
symbolic-tensor queries."""

import difflib
import json

import numpy as np
import torch


class Config:
    """A dict of named values read and written as attributes or items; `freeze()` makes it read-only."""

    _OWN = ("_values", "_frozen")

    def __init__(self, **kwargs):
        object.__setattr__(self, "_values", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        return self._frozen

    def freeze(self):
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        object.__setattr__(self, "_frozen", False)

    def _check_mutable(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self):
        return dict(self._values)

    def to_json(self):
        return json.dumps(self._values)

    def keys(self):
        return self._values.keys()

    def values(self):
        return self._values.values()

    def items(self):
        return self._values.items()

    def get(self, keyname, value=None):
        return self._values.get(keyname, value)

    def pop(self, *args):
        self._check_mutable()
        return self._values.pop(*args)

    def update(self, *args, **kwargs):
        self._check_mutable()
        self._values.update(*args, **kwargs)

    def __setattr__(self, name, value):
        if name in self._OWN or hasattr(type(self), name):
            raise AttributeError(f"Cannot set {name!r}: it is a method or property of Config.")
        self._check_mutable()
        self._values[name] = value

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        msg = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, list(values), n=1, cutoff=0.7)
        if close:
            msg += f" Did you mean '{close[0]}'?"
        raise AttributeError(msg)

    def __setitem__(self, key, value):
        self._check_mutable()
        self._values[key] = value

    def __getitem__(self, key):
        return self._values[key]

    def __delitem__(self, key):
        self._check_mutable()
        del self._values[key]

    def __contains__(self, key):
        return key in self._values

    def __iter__(self):
        return iter(sorted(self._values))

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        return f"<Config {self._values}>"


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """(x,), (x, y) or (x, y, sample_weight), the tuple Keras's data adapters hand to train_step."""
    if y is None:
        # A lone tuple/list x stays whole: wrap it so it is not read as (x, y).
        return x if not isinstance(x, (tuple, list)) else (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """The inverse of pack_x_y_sample_weight: always (x, y, sample_weight), with None for what is absent."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data}")


_DTYPE_ALIASES = {"float": "float32", "double": "float64", "int": "int64", "half": "float16",
                  "uint": "uint32", "bool_": "bool"}
_ALLOWED = ("float16", "float32", "float64", "bfloat16", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
            "int32", "int64", "bool", "string", "complex64", "complex128", "float8_e4m3fn", "float8_e5m2",
            "int4", "uint4")


def standardize_dtype(dtype):
    """Keras's dtype name ("float32", "int64", ...) for a string, numpy, torch or Python dtype."""
    if dtype is None:
        from torchkeras import config

        return config.floatx()
    if isinstance(dtype, torch.dtype):
        name = str(dtype).replace("torch.", "")
    elif dtype is float:
        name = "float32"
    elif dtype is int:
        name = "int64"
    elif dtype is bool:
        name = "bool"
    elif dtype is str:
        name = "string"
    elif hasattr(dtype, "name") and isinstance(dtype.name, str):
        name = dtype.name
    elif isinstance(dtype, str):
        name = dtype
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError as e:
            raise ValueError(f"Invalid dtype: {dtype}") from e
    name = _DTYPE_ALIASES.get(name, name)
    if name in ("str", "object"):
        name = "string"
    if name not in _ALLOWED:
        raise ValueError(f"Invalid dtype: {dtype}")
    return name


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor of the functional API (keras.Input and what layers return on it)."""
    from torchkeras.keras_tensor import KerasTensor

    return isinstance(x, KerasTensor)


def get_source_inputs(tensor):
    """The keras.Input tensors a symbolic tensor was computed from (in order, without repeats)."""
    from torchkeras.keras_tensor import KerasTensor

    if not isinstance(tensor, KerasTensor):
        return [tensor]
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return [tensor]
    node, _ = history
    inputs = list(node.input_tensors)
    if not inputs:  # an Input's own node
        return [tensor]
    sources = []
    for t in inputs:
        for s in get_source_inputs(t):
            if not any(s is seen for seen in sources):
                sources.append(s)
    return sources
