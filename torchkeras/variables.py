"""The Keras view of a layer's weights.

torchkeras layers keep their parameters in torch's native layout (``nn.Linear.weight`` is Keras's
kernel transposed) so that state_dict, fused kernels, torch.compile and DDP see plain torch. Keras
code, however, reads and writes weights in Keras's layout. Two kinds of objects give that view:

* ``Variable``: a small object bound to (module, attribute) and a pair of layout functions. Used by
  built-in layers whose torch layout differs from Keras's.
* ``KerasParameter``: an ``nn.Parameter`` subclass returned by ``Layer.add_weight`` (users' custom
  layers), whose layout IS Keras's; it is used directly in torch ops with no overhead.

Both expose: ``name``, ``path``, ``shape`` (Keras layout), ``dtype``, ``trainable``, ``numpy()``,
``assign()``, ``value`` (a differentiable tensor in Keras layout), ``param`` (the torch parameter),
``to_torch(keras_tensor)``, ``regularizer``, ``constraint``.
"""

import numpy as np
import torch
from torch import nn


def _identity(t):
    return t


def _as_tensor_like(value, like):
    if isinstance(value, (Variable, KerasParameter)):
        value = value.value
    if isinstance(value, torch.Tensor):
        return value.detach().to(device=like.device, dtype=like.dtype)
    return torch.as_tensor(np.asarray(value), dtype=like.dtype, device=like.device)


class Variable:
    """Keras-layout view of a torch parameter or buffer (see module docstring)."""

    def __init__(self, owner, attr, name, layer=None, to_keras=None, to_torch=None,
                 trainable=True, regularizer=None, constraint=None, assign_fn=None):
        self._owner = owner
        self._attr = attr
        self._layer = layer if layer is not None else owner
        self._name = name
        self._to_keras = to_keras or _identity
        self._to_torch = to_torch or _identity
        self._trainable = trainable
        self.regularizer = regularizer
        self.constraint = constraint
        # A weight that is not a pure layout view (an LSTM bias summed over two torch
        # tensors) supplies its own writer.
        self._assign_fn = assign_fn

    # -- identity -------------------------------------------------------------------------
    @property
    def param(self):
        owner = self._owner
        p = owner._parameters.get(self._attr)
        if p is None:
            p = owner._buffers.get(self._attr)
        return p

    @property
    def name(self):
        return self._name

    @property
    def path(self):
        return f"{self._layer.name}/{self._name}"

    @property
    def trainable(self):
        return self._trainable and getattr(self._layer, "trainable", True)

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        p = self.param
        if isinstance(p, nn.Parameter):
            p.requires_grad_(self.trainable)

    # -- values ---------------------------------------------------------------------------
    @property
    def value(self):
        view = self._to_keras(self.param)
        if view is self.param or torch.compiler.is_compiling():
            return view
        # Keras's torch idiom reads `v.value.grad` after loss.backward(); a layout view is not a
        # leaf, so hand out a view whose `.grad` is the parameter's gradient in Keras layout.
        view = view.as_subclass(_KerasLayoutView)
        view._keras_variable = self
        return view

    @property
    def grad(self):
        """The torch parameter's gradient in Keras layout (None before backward)."""
        g = self.param.grad
        if g is None:
            return None
        if self._assign_fn is None:
            return self._to_keras(g)
        # Not a pure layout view (e.g. a bias summed from two torch tensors): the Keras gradient
        # is the adjoint of the Keras->torch layout map applied to the torch gradient.
        with torch.enable_grad():
            probe = torch.zeros(self.shape, dtype=g.dtype, device=g.device, requires_grad=True)
            return torch.autograd.grad(self._to_torch(probe), probe, g)[0]

    @grad.setter
    def grad(self, value):
        if value is None:
            self.param.grad = None
        else:
            self.param.grad = self._to_torch(_as_tensor_like(value, self.value))

    @property
    def shape(self):
        return tuple(self.value.shape)

    @property
    def dtype(self):
        return str(self.param.dtype).replace("torch.", "")

    @property
    def device(self):
        return self.param.device

    @property
    def ndim(self):
        return len(self.shape)

    def numpy(self):
        # A copy, as Keras: on the CPU `.numpy()` would alias the parameter, and weights saved
        # with get_weights() would then change as training goes on.
        return self.value.detach().cpu().numpy().copy()

    def to_torch(self, keras_value):
        return self._to_torch(keras_value)

    def to_keras(self, torch_value):
        return self._to_keras(torch_value)

    def assign(self, value):
        current = self.value
        new = _as_tensor_like(value, current)
        if tuple(new.shape) != tuple(current.shape):
            raise ValueError(
                f"The shape of the target variable and the shape of the value being assigned do not match. "
                f"Variable '{self.path}' has shape {tuple(current.shape)}; received a value of shape "
                f"{tuple(new.shape)}."
            )
        with torch.no_grad():
            if self._assign_fn is not None:
                self._assign_fn(new)
            else:
                self.param.copy_(self._to_torch(new))
        return self

    def assign_add(self, delta):
        return self.assign(self.value.detach() + _as_tensor_like(delta, self.value))

    def assign_sub(self, delta):
        return self.assign(self.value.detach() - _as_tensor_like(delta, self.value))

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a.astype(dtype) if dtype is not None else a

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"

    # -- use in torch expressions (Keras-layout value) --------------------------------------
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        unwrap = lambda a: a.value if isinstance(a, Variable) else (
            type(a)(unwrap(x) for x in a) if isinstance(a, (list, tuple)) else a)
        return func(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()})

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, idx):
        return self.value[idx]


class _KerasLayoutView(torch.Tensor):
    """A Variable's Keras-layout tensor; ops on it give plain tensors, `.grad` reads the owner's."""

    __torch_function__ = torch._C._disabled_torch_function_impl

    @property
    def grad(self):
        return self._keras_variable.grad

    @grad.setter
    def grad(self, value):
        self._keras_variable.grad = value


def _binary(op):
    def f(self, other):
        return op(self.value, other.value if isinstance(other, Variable) else other)
    return f


def _rbinary(op):
    def f(self, other):
        return op(other, self.value)
    return f


for _n, _op in {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "truediv": torch.true_divide,
    "matmul": torch.matmul, "pow": torch.pow,
}.items():
    setattr(Variable, f"__{_n}__", _binary(_op))
    setattr(Variable, f"__r{_n}__", _rbinary(_op))
Variable.__neg__ = lambda self: -self.value


class KerasParameter(nn.Parameter):
    """An ``nn.Parameter`` in Keras layout with the Keras Variable API (from ``Layer.add_weight``)."""

    @property
    def name(self):
        return self.__dict__.get("_keras_name", "variable")

    @property
    def path(self):
        layer = self.__dict__.get("_keras_layer")
        layer = layer() if layer is not None else None
        if layer is not None:
            return f"{layer.name}/{self.name}"
        # A variable made under `keras.name_scope(...)` keeps the scope in its path, as Keras.
        return self.__dict__.get("_keras_path") or self.name

    @property
    def param(self):
        return self

    @property
    def value(self):
        return self

    @property
    def trainable(self):
        return self.__dict__.get("_keras_trainable", self.requires_grad)

    @trainable.setter
    def trainable(self, value):
        self.__dict__["_keras_trainable"] = bool(value)
        self.requires_grad_(bool(value))

    @property
    def regularizer(self):
        return self.__dict__.get("_keras_regularizer")

    @regularizer.setter
    def regularizer(self, value):
        if value is not None and not callable(value):
            raise ValueError("Invalid value for attribute `regularizer`. Expected a callable (such as a "
                             f"`keras.regularizers.Regularizer` instance) or `None`. Received: regularizer={value}")
        self.__dict__["_keras_regularizer"] = value

    @property
    def aggregation(self):
        return self.__dict__.get("_keras_aggregation", "none")

    @property
    def synchronization(self):
        return self.__dict__.get("_keras_synchronization", "auto")

    @property
    def constraint(self):
        return self.__dict__.get("_keras_constraint")

    @constraint.setter
    def constraint(self, value):
        if value is not None and not callable(value):
            raise ValueError("Invalid value for attribute `constraint`. Expected a callable (such as a "
                             f"`keras.constraints.Constraint` instance) or `None`. Received: constraint={value}")
        self.__dict__["_keras_constraint"] = value

    def numpy(self):
        return self.detach().cpu().numpy().copy()

    def to_torch(self, keras_value):
        return keras_value

    def to_keras(self, torch_value):
        return torch_value

    def assign(self, value):
        new = _as_tensor_like(value, self)
        if tuple(new.shape) != tuple(self.shape):
            raise ValueError(
                f"The shape of the target variable and the shape of the value being assigned do not match. "
                f"Variable '{self.path}' has shape {tuple(self.shape)}; received a value of shape "
                f"{tuple(new.shape)}."
            )
        with torch.no_grad():
            self.copy_(new)
        return self

    def assign_add(self, delta):
        with torch.no_grad():
            self.add_(_as_tensor_like(delta, self))
        return self

    def assign_sub(self, delta):
        with torch.no_grad():
            self.sub_(_as_tensor_like(delta, self))
        return self

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(memory_format=torch.preserve_format), self.requires_grad)
        result.__dict__.update({k: v for k, v in self.__dict__.items()})
        memo[id(self)] = result
        return result

    def __repr__(self):
        return f"<KerasVariable path={self.path}, shape={tuple(self.shape)}, dtype={self.dtype}>"


def is_variable(obj):
    return isinstance(obj, (Variable, KerasParameter))


_AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")
_SYNCHRONIZATIONS = ("none", "on_read", "on_write", "auto")


class _PublicVariableMeta(type):
    # Every Keras weight torchkeras hands out (layout views and add_weight parameters) is a `keras.Variable`.
    def __instancecheck__(cls, obj):
        return is_variable(obj)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, (Variable, KerasParameter))


class PublicVariable(metaclass=_PublicVariableMeta):
    """`keras.Variable(initializer, shape=None, dtype=None, trainable=True, ..., name=None)`.

    A user-made variable is a `KerasParameter`: an `nn.Parameter` with Keras's variable API (`assign`,
    `assign_add`, `assign_sub`, `numpy`, `value`, arithmetic), so torch ops, optimizers and layers take
    it as it is. Assigned to a layer attribute it is tracked as that layer's weight."""

    def __new__(cls, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                aggregation="none", synchronization="auto", name=None, **kwargs):
        from torchkeras import config, initializers
        from torchkeras.keras_tensor import torch_dtype

        kwargs.pop("layout", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to Variable: {sorted(kwargs)}")
        if aggregation not in _AGGREGATIONS:
            raise ValueError(f"Invalid value for argument `aggregation`. Expected one of {list(_AGGREGATIONS)}. "
                             f"Received: aggregation={aggregation!r}")
        if synchronization not in _SYNCHRONIZATIONS:
            raise ValueError("Invalid value for argument `synchronization`. Expected one of "
                             f"{list(_SYNCHRONIZATIONS)}. Received: synchronization={synchronization!r}")
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError("Argument `name` must be a string and cannot contain character `/`. "
                             f"Received: name={name!r}")
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(initializer, torch.Tensor)
                                            and not is_variable(initializer)):
            if shape is None:
                raise ValueError("When creating a Variable from an initializer, the `shape` argument should be "
                                 f"specified. Received: initializer={initializer!r} and shape={shape!r}")
            tdtype = torch_dtype(dtype or config.floatx())
            with torch.no_grad():
                value = torch.as_tensor(initializers.get(initializer)(tuple(shape), dtype=tdtype)).to(tdtype)
        else:
            if is_variable(initializer):
                initializer = initializer.value
            if isinstance(initializer, torch.Tensor):
                value = initializer.detach().clone()
            else:
                arr = np.asarray(initializer)
                if arr.dtype == np.float64 and dtype is None:
                    arr = arr.astype(config.floatx())  # Python floats become floatx, as Keras
                value = torch.as_tensor(arr)
            if dtype is not None:
                value = value.to(torch_dtype(dtype))
            if shape is not None and tuple(value.shape) != tuple(shape):
                raise ValueError("Initial value has shape "
                                 f"{tuple(value.shape)}, but `shape` argument is {tuple(shape)}. Pass a value "
                                 "of the given shape, or leave `shape` out.")
        p = KerasParameter(value, requires_grad=bool(trainable) and value.dtype.is_floating_point)
        p.__dict__.update(_keras_name=name or "variable", _keras_trainable=bool(trainable),
                          _keras_aggregation=aggregation, _keras_synchronization=synchronization,
                          _keras_autocast=autocast)
        from torchkeras.scopes import current_path
        scope = current_path()
        if scope:
            p.__dict__["_keras_path"] = f"{scope}/{p.name}"
        return p
