"""tf.TensorShape / tf.TensorSpec, and what TF users call on tensors that torch lacks (`.numpy()` on a
tensor that requires grad, `shape.as_list()`): added in the porting runner's process only."""

import ctypes
import gc
import warnings

import numpy as np
import torch

from torchkeras.porting.tf._core import as_dtype, float32


class Dimension(int):
    value = property(int)


class TensorShape(tuple):
    """tf.TensorShape: a tuple of ints (None where unknown); `rank` None for an unknown shape."""

    def __new__(cls, dims=None):
        if isinstance(dims, TensorShape):
            return dims
        if dims is None:
            self = super().__new__(cls, ())
            self._unknown = True
            return self
        if isinstance(dims, int):
            dims = [dims]
        if isinstance(dims, torch.Tensor):
            dims = dims.tolist()
        self = super().__new__(cls, tuple(None if d is None else int(d) for d in dims))
        self._unknown = False
        return self

    rank = property(lambda self: None if self._unknown else len(self))
    ndims = rank
    dims = property(lambda self: None if self._unknown else list(self))

    def as_list(self):
        if self._unknown:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self)

    def is_fully_defined(self):
        return not self._unknown and all(d is not None for d in self)

    def num_elements(self):
        return int(np.prod(self)) if self.is_fully_defined() else None

    def is_compatible_with(self, other):
        other = TensorShape(other) if not isinstance(other, TensorShape) else other
        if self._unknown or other._unknown:
            return True
        return len(self) == len(other) and all(a is None or b is None or a == b for a, b in zip(self, other))

    def merge_with(self, other):
        other = TensorShape(other) if not isinstance(other, TensorShape) else other
        if self._unknown:
            return other
        if other._unknown:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape([a if a is not None else b for a, b in zip(self, other)])

    def concatenate(self, other):
        return TensorShape(list(self) + list(other))

    def with_rank(self, rank):
        if not self._unknown and len(self) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self

    def __getitem__(self, key):
        out = super().__getitem__(key)
        return TensorShape(out) if isinstance(key, slice) else out

    def __eq__(self, other):
        try:
            return tuple(self) == tuple(other)
        except TypeError:
            return False

    __hash__ = tuple.__hash__

    def __repr__(self):
        return "TensorShape(None)" if self._unknown else f"TensorShape({list(self)})"

    def __str__(self):
        if self._unknown:
            return "<unknown>"
        return "(" + ", ".join("None" if d is None else str(d) for d in self) + ("," if len(self) == 1 else "") + ")"


class TensorSpec:
    """tf.TensorSpec(shape, dtype=tf.float32, name=None)."""

    def __init__(self, shape, dtype=float32, name=None):
        self.shape, self.dtype, self.name = TensorShape(shape), as_dtype(dtype), name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        from torchkeras.porting.tf._core import dtype_of
        return cls(list(tensor.shape), dtype_of(tensor), name)

    def is_compatible_with(self, value):
        from torchkeras.porting.tf._core import dtype_of
        shape = value.shape if hasattr(value, "shape") else np.shape(value)
        dtype = value.dtype if isinstance(value, TensorSpec) else dtype_of(value)
        return self.dtype == dtype and self.shape.is_compatible_with(TensorShape(list(shape)))

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.shape == other.shape and self.dtype == other.dtype
                and self.name == other.name)

    def __hash__(self):
        return hash((tuple(self.shape), self.dtype))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


# -- tensor methods, installed by the porting runner only ---------------------------------------
_installed = False


def _type_dict(cls):
    return gc.get_referents(cls.__dict__)[0]


def _size_as_list(self):
    return list(self)


def install_tensor_methods():
    """In the runner's process: `tensor.numpy()` works on tensors that require grad or live on an
    accelerator (as TF's eager tensors), and `tensor.shape` (a torch.Size) gains TensorShape's
    read-only methods. torch.Size is a C type, so the methods go into its type dict directly; no
    per-access cost, nothing changes for torch itself."""
    global _installed
    if _installed:
        return
    original = torch.Tensor.numpy

    def numpy(self, *, force=False):
        if self.requires_grad or self.device.type != "cpu":
            return original(self.detach().cpu(), force=force)
        return original(self, force=force)

    numpy.__doc__ = original.__doc__
    # TF scripts call float(loss) on a tensor that requires grad; torch warns where TF is silent.
    warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True to a scalar")
    torch.Tensor.numpy = numpy
    size_dict = _type_dict(torch.Size)
    size_dict.setdefault("as_list", _size_as_list)
    size_dict.setdefault("rank", property(len))
    size_dict.setdefault("ndims", property(len))
    size_dict.setdefault("dims", property(list))
    size_dict.setdefault("is_fully_defined", lambda self: True)
    size_dict.setdefault("num_elements", lambda self: int(np.prod(self)))
    size_dict.setdefault("is_compatible_with", lambda self, other: TensorShape(self).is_compatible_with(other))
    ctypes.pythonapi.PyType_Modified(ctypes.py_object(torch.Size))
    tensor_dict = torch.Tensor.__dict__
    if "get_shape" not in tensor_dict:
        torch.Tensor.get_shape = lambda self: self.shape
    _installed = True
