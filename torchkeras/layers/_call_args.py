"""Keras's call-argument rules for Layer.__call__: tensors only as positional arguments, inputs
passed by keyword, `build(foo_shape, bar_shape)` aligned by name with `call(foo, bar)`, and nested
`compute_output_shape` results turned into KerasTensors."""

import inspect

import numpy as np
import torch

from torchkeras.keras_tensor import KerasTensor, flatten
from torchkeras.variables import is_variable

_NO_INPUT = object()  # `layer(x=...)`: the first call() argument was passed by keyword


def is_tensor_arg(x, allow_none=False):
    if x is None:
        return allow_none
    return isinstance(x, (torch.Tensor, KerasTensor, np.ndarray)) or is_variable(x)


def check_positional_args(layer, args):
    """As Keras: arguments after the inputs must be tensors (or None) when passed positionally."""
    if getattr(layer, "_allow_non_tensor_positional_args", False):
        return
    for arg in flatten(args):
        if not is_tensor_arg(arg, allow_none=True):
            raise ValueError(
                "Only input tensors may be passed as positional arguments. The following argument value "
                f"should be passed as a keyword argument: {arg} (of type {type(arg)})")


def pop_first_input(layer, kwargs):
    """`layer(x1=a, x2=b)`: take the first call() argument out of the keywords."""
    params = list(inspect.signature(layer.call).parameters.values())
    if params and params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD) \
            and params[0].name in kwargs:
        return kwargs.pop(params[0].name)
    raise TypeError(f"Layer '{layer.name}' was called without inputs: pass the inputs as the first argument "
                    f"of the call, e.g. `layer(x)`. Received keyword arguments: {sorted(kwargs)}")


def _shape_of(x):
    if x is None:
        return None
    return tuple(x.shape)


def _is_nested_tensors(v):
    if not isinstance(v, (list, tuple, dict)) or not v:
        return False
    return all(is_tensor_arg(x, allow_none=True) for x in flatten(v))


def named_build_shapes(layer, inputs, args, kwargs):
    """Keyword shapes for a custom `build(self, foo_shape, bar_shape)`, or None for a one-argument build.

    torchkeras's own layers keep building from the first input's shape: they resolve their other
    inputs' shapes themselves.
    """
    build = type(layer).build
    if getattr(build, "__module__", "").startswith("torchkeras."):
        return None
    names = [n for n, p in list(inspect.signature(build).parameters.items())[1:]
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY, p.KEYWORD_ONLY)]
    if len(names) <= 1:
        return None
    try:
        bound = inspect.signature(layer.call).bind(inputs, *args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    shapes = {}
    for name, value in bound.arguments.items():
        if name in ("mask", "args", "kwargs"):
            continue
        if is_tensor_arg(value):
            shapes[f"{name}_shape"] = _shape_of(value)
        elif _is_nested_tensors(value):
            from torchkeras.keras_tensor import map_structure
            shapes[f"{name}_shape"] = map_structure(_shape_of, value)
    out = {}
    cls_name = type(layer).__name__
    preamble = ("For a `build()` method with more than one argument, all arguments should have a `_shape` "
                "suffix and match an argument from `call()`. E.g. `build(self, foo_shape, bar_shape)` ")
    for name in names:
        if not name.endswith("_shape"):
            raise ValueError(f"{preamble} For layer '{cls_name}', Received `build()` argument `{name}`, which "
                             "does not end in `_shape`.")
        call_arg = name[: -len("_shape")]
        if call_arg not in bound.arguments:
            raise ValueError(f"{preamble} For layer '{cls_name}', received `build()` argument `{name}`, but "
                             f"`call()` does not have argument `{call_arg}`.")
        if name in shapes:
            out[name] = shapes[name]
    return out


def _is_shape(s):
    if isinstance(s, torch.Size):
        return True
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in s)


def shapes_to_keras_tensors(shapes, dtype):
    """Map a (possibly nested) compute_output_shape result to KerasTensors of `dtype`."""
    if _is_shape(shapes):
        return KerasTensor(tuple(shapes), dtype)
    if isinstance(shapes, dict):
        return {k: shapes_to_keras_tensors(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(shapes_to_keras_tensors(v, dtype) for v in shapes)
    return shapes
