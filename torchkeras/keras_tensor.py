"""Symbolic tensors of the functional API.

``Input(...)`` returns a KerasTensor. Calling a layer on one records a Node (layer, arguments,
outputs) instead of computing. Python operators, slicing and torch functions applied to a
KerasTensor (``a + b``, ``x[:, 0]``, ``torch.cat([a, b], 1)``, ``keras.ops.*``) are recorded too,
as a node of an internal ``TorchOpLayer``; their output shape is inferred by running the op on
meta tensors, with unknown dims replaced by sentinel sizes.
"""

import torch

# Distinct, unlikely sizes stand in for unknown (None) dims during shape inference.
_SENTINELS = (1031, 1033, 1039, 1049, 1051, 1061, 1063, 1069)

_TORCH_DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int32": torch.int32, "int64": torch.int64, "int16": torch.int16,
    "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool, "uint16": torch.uint16,
    "uint32": torch.uint32, "uint64": torch.uint64, "complex64": torch.complex64, "complex128": torch.complex128,
    "float8_e4m3fn": torch.float8_e4m3fn, "float8_e5m2": torch.float8_e5m2,
}


def torch_dtype(dtype):
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    name = getattr(dtype, "name", dtype)
    if name not in _TORCH_DTYPES:
        raise ValueError(f"Unsupported dtype {dtype!r}. Expected one of {sorted(_TORCH_DTYPES)}.")
    return _TORCH_DTYPES[name]


def dtype_name(dtype):
    return str(dtype).replace("torch.", "")


class Node:
    """One call of `layer` on symbolic arguments; `outputs` are the KerasTensors it produced."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs  # the structure the call returned (tensor, list or dict)
        self.flat_outputs = flatten(outputs)
        self.input_tensors = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
        self.parents = [t._keras_history[0] for t in self.input_tensors if t._keras_history is not None]


def flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [x for s in structure for x in flatten(s)]
    if isinstance(structure, dict):
        return [x for k in structure for x in flatten(structure[k])]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def any_symbolic(structure):
    if isinstance(structure, KerasTensor):
        return True
    if isinstance(structure, (list, tuple)):
        return any(any_symbolic(s) for s in structure)
    if isinstance(structure, dict):
        return any(any_symbolic(s) for s in structure.values())
    return False


class KerasTensor:
    """A symbolic tensor: shape (None for unknown dims), dtype and the node that made it."""

    ragged = False  # torchkeras has no ragged tensors; Keras's InputLayer tests read the attribute
    sparse = False

    def __init__(self, shape, dtype="float32", name=None, sparse=False, history=None):
        if shape is None or not hasattr(shape, "__iter__"):
            raise ValueError(f"Cannot convert '{shape}' to a shape: expected a tuple of ints or None "
                             "(e.g. shape=(None, 3)).")
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype_name(dtype) if isinstance(dtype, torch.dtype) else (dtype or "float32")
        self.name = name
        self.sparse = sparse
        self._keras_history = history  # (node, index in node.flat_outputs)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError("len() of a symbolic tensor whose first dimension is unknown (None).")

    def __iter__(self):
        raise TypeError("A symbolic KerasTensor cannot be iterated over. Index it instead (x[:, i]).")

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor has no truth value: it only describes a shape until the "
                        "model runs. Use ops (torch.where / keras.ops.where) instead of Python control flow.")

    def __hash__(self):
        return id(self)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return record_op(func, args, kwargs or {})

    # Methods used on tensors in Keras scripts; each records a torch op.
    def reshape(self, *shape):
        return record_op(torch.reshape, (self, shape[0] if len(shape) == 1 else shape), {})

    def numpy(self):
        raise TypeError("A symbolic KerasTensor has no value: build a Model and call it (or predict) to get numbers.")


def _binop(func, reverse=False):
    def op(self, other):
        return record_op(func, (other, self) if reverse else (self, other), {})
    return op


for _name, _func in {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "truediv": torch.true_divide,
                     "floordiv": torch.floor_divide, "matmul": torch.matmul, "pow": torch.pow,
                     "mod": torch.remainder}.items():
    setattr(KerasTensor, f"__{_name}__", _binop(_func))
    setattr(KerasTensor, f"__r{_name}__", _binop(_func, reverse=True))
for _name, _func in {"lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge,
                     "and": torch.logical_and, "or": torch.logical_or}.items():
    setattr(KerasTensor, f"__{_name}__", _binop(_func))
KerasTensor.__neg__ = lambda self: record_op(torch.neg, (self,), {})
KerasTensor.__abs__ = lambda self: record_op(torch.abs, (self,), {})
KerasTensor.__invert__ = lambda self: record_op(torch.logical_not, (self,), {})
KerasTensor.__getitem__ = lambda self, idx: record_op(_getitem, (self, idx), {})
KerasTensor.T = property(lambda self: record_op(torch.permute, (self, tuple(range(self.ndim - 1, -1, -1))), {}))


def _getitem(x, idx):
    return x[idx]


def fake_tensor(kt, sentinels, device="meta"):
    # The same axis gets the same sentinel in every input, so unknown dims still broadcast.
    shape = []
    for axis, d in enumerate(kt.shape):
        if d is None:
            d = _SENTINELS[axis % len(_SENTINELS)]
            sentinels.add(d)
        shape.append(d)
    return torch.zeros(shape, dtype=torch_dtype(kt.dtype), device=device)


def to_keras_tensor(t, sentinels, name=None, history=None):
    shape = tuple(None if d in sentinels else d for d in t.shape)
    return KerasTensor(shape, dtype_name(t.dtype), name=name, history=history)


def record_op(func, args, kwargs):
    """Record a torch function applied to KerasTensors as a node of a TorchOpLayer."""
    from torchkeras.layers.core.torch_op import TorchOpLayer

    layer = TorchOpLayer(func)
    return layer(*args, **kwargs)
