"""tf.Variable and tf.Module. A tf.Variable is a torchkeras KerasParameter (an nn.Parameter), so
torch ops, torchkeras optimizers and layers' weight tracking take it as they take Keras variables."""

import itertools

import torch

from torchkeras.porting.tf._core import as_dtype, convert
from torchkeras.variables import KerasParameter

_counter = itertools.count()


class Variable(KerasParameter):
    """tf.Variable(initial_value, trainable=True, name=None, dtype=None, shape=None)."""

    def __new__(cls, initial_value=None, trainable=None, validate_shape=True, caching_device=None, name=None,
                variable_def=None, dtype=None, import_scope=None, constraint=None, synchronization=None,
                aggregation=None, shape=None, experimental_enable_variable_lifting=None):
        if initial_value is None:
            raise ValueError("The `initial_value` arg (`None`) must be specified as a tensor or a callable.")
        if callable(initial_value) and not isinstance(initial_value, torch.Tensor):
            initial_value = initial_value()
        value = convert(initial_value, dtype)
        if isinstance(initial_value, torch.Tensor) and dtype is not None:
            value = value.to(as_dtype(dtype).torch)
        value = value.detach().clone()
        trainable = True if trainable is None else bool(trainable)
        differentiable = value.is_floating_point() or value.is_complex()
        self = super().__new__(cls, value, requires_grad=trainable and differentiable)
        n = next(_counter)
        self.__dict__.update(_keras_name=name or ("Variable" if n == 0 else f"Variable_{n}"),
                             _keras_trainable=trainable, _keras_constraint=constraint)
        return self

    def __init__(self, *args, **kwargs):
        pass

    @property
    def name(self):
        return self.__dict__.get("_keras_name", "Variable") + ":0"

    def read_value(self):
        return self.detach().clone()

    def value(self):
        return self

    @property
    def initial_value(self):
        return self.detach().clone()

    def assign(self, value, use_locking=False, name=None, read_value=True):
        super().assign(value)
        return self

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return super().assign_add(delta)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return super().assign_sub(delta)

    def scatter_nd_update(self, indices, updates, name=None):
        from torchkeras.porting.tf.array_ops2 import tensor_scatter_nd_update
        return self.assign(tensor_scatter_nd_update(self.detach(), indices, updates))

    def get_shape(self):
        return self.shape

    def __repr__(self):
        from torchkeras.porting.tf._core import dtype_of
        return (f"<tf.Variable '{self.name}' shape={tuple(self.shape)} dtype={dtype_of(self).name}, "
                f"numpy={self.detach().cpu().numpy()!r}>")

    def __reduce_ex__(self, proto):
        return Variable, (self.detach().cpu(), self.trainable)

    def __deepcopy__(self, memo):
        return Variable(self.detach().clone(), trainable=self.trainable, name=self.__dict__.get("_keras_name"))


class Module:
    """tf.Module: `variables`, `trainable_variables` and `submodules` found through attributes."""

    def __init__(self, name=None):
        self._name = name or _snake(type(self).__name__)

    name = property(lambda self: getattr(self, "_name", _snake(type(self).__name__)))

    @property
    def name_scope(self):
        from torchkeras.porting.tf.function import name_scope
        return name_scope(self.name)

    def _walk(self, seen):
        for v in vars(self).values():
            yield from _walk_value(v, seen)

    @property
    def variables(self):
        return [v for v in self._walk(set()) if isinstance(v, torch.Tensor) or hasattr(v, "param")]

    @property
    def trainable_variables(self):
        return [v for v in self.variables if getattr(v, "trainable", getattr(v, "requires_grad", False))]

    @property
    def non_trainable_variables(self):
        return [v for v in self.variables if not getattr(v, "trainable", getattr(v, "requires_grad", False))]

    @property
    def submodules(self):
        return [v for v in self._walk(set()) if isinstance(v, Module) or hasattr(v, "trainable_weights")]

    @classmethod
    def with_name_scope(cls, method):
        return method


def _walk_value(v, seen):
    if id(v) in seen:
        return
    if isinstance(v, (Variable, KerasParameter)) or hasattr(v, "param") and hasattr(v, "assign"):
        seen.add(id(v))
        yield v
    elif isinstance(v, Module):
        seen.add(id(v))
        yield v
        yield from v._walk(seen)
    elif hasattr(v, "trainable_weights") and hasattr(v, "weights"):  # a Keras layer or model
        seen.add(id(v))
        yield v
        for w in v.weights:
            yield from _walk_value(w, seen)
    elif isinstance(v, (list, tuple)):
        for item in v:
            yield from _walk_value(item, seen)
    elif isinstance(v, dict):
        for k in sorted(v, key=str):
            yield from _walk_value(v[k], seen)


def _snake(name):
    out = "".join("_" + c.lower() if c.isupper() else c for c in name)
    return out.lstrip("_")
