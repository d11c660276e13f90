"""Keras's dtype promotion (keras.backend.result_type), as the torch backend applies it.

Keras promotes like JAX: a lattice where Python ints and floats are *weak* (they take the other
operand's dtype), unsigned and signed ints meet in the next wider signed int, and any int meets
a float at that float. A result that is still weak resolves at floatx's precision (int32/float32).
"""

import functools

import numpy as np
import torch

_INT = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
_FLOAT = ("bfloat16", "float16", "float32", "float64")

# Each node lists the nodes directly above it; "int"/"float" are the weak Python types.
_ABOVE = {
    "bool": ["int"],
    "int": ["uint8", "int8", "complex64"],
    "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"], "uint32": ["int64", "uint64"],
    "uint64": ["float"],
    "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["float"],
    "float": ["bfloat16", "float16"],
    "bfloat16": ["float32"], "float16": ["float32"], "float32": ["float64", "complex64"],
    "float64": ["complex128"], "complex64": ["complex128"], "complex128": [],
}


def _closure():
    ups = {}
    for node in _ABOVE:
        seen, todo = {node}, [node]
        while todo:
            for up in _ABOVE[todo.pop()]:
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        ups[node] = seen
    return ups


_UPPER = _closure()


@functools.lru_cache(512)
def _join(nodes):
    common = set.intersection(*(_UPPER[n] for n in nodes))
    # The least element of the common upper bounds: the one every other bound lies above.
    least = [c for c in common if common <= _UPPER[c]]
    if len(least) != 1:
        raise ValueError(f"Input dtypes {tuple(nodes)} have no available implicit dtype promotion path. "
                         "Try explicitly casting inputs to the desired output type.")
    return least[0]


_NAMES = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
          "cfloat": "complex64", "cdouble": "complex128"}


def standardize(dtype):
    """A dtype name ('float32', ...) from a torch/numpy dtype, a string or a Python type."""
    if dtype is None:
        from torchkeras import config
        return config.floatx()
    if dtype is bool:
        return "bool"
    if dtype is int:
        return "int32"
    if dtype is float:
        return "float32"
    if dtype is complex:
        return "complex64"
    if isinstance(dtype, torch.dtype):
        name = str(dtype).replace("torch.", "")
    else:
        name = str(getattr(dtype, "name", dtype))
    name = name.replace("torch.", "")
    return _NAMES.get(name, name)


def _weak(dtype, weak):
    if not weak or dtype == "bool":
        return dtype
    for kind in ("complex", "float", "int"):
        if kind in dtype:
            return "float" if kind == "complex" else kind
    return dtype


def result_type(*dtypes):
    """Keras's result dtype name for the given dtypes (Python `int`/`float` count as weak)."""
    from torchkeras import config
    if not dtypes:
        return config.floatx()
    weaks = [d is int or d is float for d in dtypes]
    names = [standardize(d) for d in dtypes]
    if len(names) == 1:
        out, out_weak = names[0], weaks[0]
    elif len(set(names)) == 1 and not all(weaks):
        out, out_weak = names[0], False
    elif all(weaks):
        out, out_weak = _join(tuple(sorted(set(names)))), True
    else:
        out = _join(tuple(sorted({_weak(n, w) for n, w in zip(names, weaks)})))
        out_weak = out in ("int", "float")
    if out_weak and out != "bool":
        precision = config.floatx()[-2:]
        out = {"i": f"int{precision}", "u": f"uint{precision}", "b": "bool"}.get(
            out[0] if out != "bfloat16" else "f", f"float{precision}")
    return out


def dtype_of_value(x):
    """The Keras dtype spelling of a value for result_type: Python scalars are weak."""
    if isinstance(x, np.generic):  # np.float64 subclasses float, yet keeps its dtype in Keras
        return standardize(x.dtype)
    if isinstance(x, bool):
        return bool
    if isinstance(x, int):
        return int
    if isinstance(x, float):
        return float
    if isinstance(x, torch.Tensor):
        return standardize(x.dtype)
    dt = getattr(x, "dtype", None)
    return standardize(dt) if dt is not None else float
