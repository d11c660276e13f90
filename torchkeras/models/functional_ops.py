"""Ops recorded on symbolic tensors (`a + b`, `x[:, 1:]`, `keras.ops.mean(x, axis=1)`) in a functional
config, written as Keras writes its Operation nodes: {"module": "keras.src.ops.numpy", "class_name":
"Add", "config": {"name": "add"}}. Loading only ever maps a class name to a function of
`torchkeras.ops` (never an import of a stored module path)."""

import functools
import re

import torch

from torchkeras.keras_tensor import KerasTensor, _getitem, any_symbolic

# The torch functions KerasTensor's Python operators record, as Keras's op classes.
_TORCH_OPS = {
    torch.add: "Add", torch.sub: "Subtract", torch.mul: "Multiply", torch.true_divide: "TrueDivide",
    torch.floor_divide: "FloorDivide", torch.remainder: "Mod", torch.pow: "Power", torch.matmul: "Matmul",
    torch.neg: "Negative", torch.abs: "Absolute", torch.lt: "Less", torch.le: "LessEqual",
    torch.gt: "Greater", torch.ge: "GreaterEqual", torch.logical_and: "LogicalAnd",
    torch.logical_or: "LogicalOr", torch.logical_not: "LogicalNot", _getitem: "GetItem",
}


def _camel(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _keras_module(fn_name):
    from torchkeras import ops
    for sub in ("numpy", "nn", "linalg", "image"):
        if hasattr(getattr(ops, sub, None), fn_name):
            return f"keras.src.ops.{sub}"
    return "keras.src.ops.core"


def serialize_op(layer, node_kwargs):
    """(layer entry, kwargs left for the node) for a recorded op, or None if it has no Keras name."""
    func = layer.func
    class_name = _TORCH_OPS.get(func)
    config = {"name": layer.name}
    if class_name is not None:
        return {"module": "keras.src.ops.numpy", "class_name": class_name, "config": config,
                "registered_name": class_name}, node_kwargs
    if isinstance(func, functools.partial):  # an op rebuilt from a config: its arguments are bound
        config.update(func.keywords)
        func = func.func
    module = getattr(func, "__module__", "") or ""
    fn_name = getattr(func, "__name__", None)
    if not module.startswith("torchkeras.ops") or fn_name is None:
        return None
    from torchkeras import ops
    if not callable(getattr(ops, fn_name, None)):  # recorded may be the inner function of the public op
        return None
    # Keras keeps an op's non-tensor arguments (axis=...) in the op's config, not in the node.
    rest = {}
    for k, v in node_kwargs.items():
        if any_symbolic(v):
            rest[k] = v
        else:
            config[k] = v
    class_name = _camel(fn_name)
    return {"module": _keras_module(fn_name), "class_name": class_name, "config": config,
            "registered_name": class_name}, rest


def is_op_entry(entry):
    return isinstance(entry, dict) and str(entry.get("module") or "").startswith("keras.src.ops")


def deserialize_op(entry):
    from torchkeras import ops
    from torchkeras.layers.core.torch_op import TorchOpLayer

    class_name = entry.get("class_name", "")
    config = dict(entry.get("config") or {})
    name = config.pop("name", None) or entry.get("name")
    fn_name = _snake(class_name)
    if class_name == "GetItem":
        func = _get_item
    else:
        func = getattr(ops, fn_name, None)
        if not callable(func):
            raise ValueError(f"Cannot rebuild the op {class_name!r} ({entry.get('module')}) of a functional model: "
                             f"torchkeras.ops has no `{fn_name}`.")
        if config:
            func = functools.wraps(func)(functools.partial(func, **config))
    return TorchOpLayer(func, name=name)


def _get_item(x, key):
    # A JSON config stores the index tuple `x[:, 1:2]` as a list.
    if isinstance(key, list):
        key = tuple(key)
    return _getitem(x, key)


_TORCH_OPS[_get_item] = "GetItem"


def serialize_value(x, tensor_fn):
    """Node arguments: KerasTensors by reference, slices and tuples as Keras writes them."""
    if isinstance(x, KerasTensor):
        return tensor_fn(x)
    if isinstance(x, slice):
        return {"class_name": "__slice__", "config": {"start": x.start, "stop": x.stop, "step": x.step}}
    if isinstance(x, (list, tuple)):
        return [serialize_value(v, tensor_fn) for v in x]
    if isinstance(x, dict):
        return {k: serialize_value(v, tensor_fn) for k, v in x.items()}
    if x is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    return x
