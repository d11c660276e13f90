"""Metric base class and the reduction metrics (Sum, Mean, MeanMetricWrapper).

State lives in torch tensors on the device of the data: update_state never calls .item() or
otherwise syncs the host, so a training loop can update metrics every step for free."""

import functools

import numpy as np
import torch
from torch._subclasses.fake_tensor import FakeTensor

from ..losses._utils import (
    apply_mask,
    divide_no_nan,
    dtype_name,
    get_mask,
    squeeze_or_expand_to_same_rank,
    standardize_dtype,
    to_tensor,
)
from ..losses.loss import auto_name


def _assign(var, value):
    with torch.no_grad():
        var.copy_(torch.as_tensor(value, dtype=var.dtype, device=var.device)
                  if not isinstance(value, torch.Tensor) else value)
    return var


def _bind_variable_methods(var):
    """Keras metric variables answer `assign`/`assign_add`/`assign_sub`/`value` (users'
    custom metrics write `self.total.assign(self.total + n)`); plain tensors keep the hot path
    free of subclass dispatch, so the methods are attributes of the tensor itself."""
    var.assign = lambda value: _assign(var, value)
    var.assign_add = lambda value: _assign(var, var + value)
    var.assign_sub = lambda value: _assign(var, var - value)
    return var


def _skip_symbolic(update_state):
    """A layer that updates a metric in `call` (Keras 3's endpoint-layer pattern) runs on meta tensors
    or fake tensors while a functional model is built; as in Keras, that symbolic pass leaves the
    state alone."""
    if getattr(update_state, "_skips_symbolic", False):
        return update_state

    @functools.wraps(update_state)
    def wrapper(self, *args, **kwargs):
        for a in args:
            if isinstance(a, torch.Tensor) and (a.is_meta or isinstance(a, FakeTensor)):
                return None
        return update_state(self, *args, **kwargs)

    wrapper._skips_symbolic = True
    return wrapper


class Metric:
    """Stateful metric. Subclasses add state with `add_variable` and implement `update_state`,
    `result` (a scalar torch tensor, or a vector for multi-threshold metrics)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "update_state" in cls.__dict__:
            cls.update_state = _skip_symbolic(cls.__dict__["update_state"])

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(self.__class__.__name__)
        # `_dtype` is Keras's string ("float32"); `_tdtype` the torch dtype the state uses.
        self._tdtype = standardize_dtype(dtype)
        self._dtype = dtype_name(self._tdtype)
        self._state_names = []
        self._state_vars = []
        self._device = None

    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        name = name or f"variable_{len(self._state_vars)}"
        tdtype = standardize_dtype(dtype) if dtype is not None else self._tdtype
        value = torch.zeros(tuple(shape), dtype=tdtype, device=self._device)
        if initializer not in ("zeros", None):
            init = initializer
            if isinstance(init, str):
                from .. import initializers

                init = initializers.get(init)
            if getattr(init, "__class__", type).__name__ != "Zeros":
                with torch.no_grad():
                    value.copy_(torch.as_tensor(
                        np.asarray(init(tuple(shape), dtype=dtype_name(tdtype))),
                        dtype=tdtype))
        _bind_variable_methods(value)
        value._metric_variable_name = name
        # The built-in metrics read their state as attributes named after the variable.
        if not hasattr(type(self), name):
            setattr(self, name, value)
        self._state_names.append(name)
        self._state_vars.append(value)
        return value

    add_weight = add_variable

    @property
    def variables(self):
        # As Keras: state from add_variable, then Variables and sub-metrics held in attributes,
        # also inside lists, tuples and dicts.
        from torchkeras.variables import is_variable

        own = list(self._state_vars)
        seen = {id(v) for v in own}

        def visit(value):
            if isinstance(value, Metric):
                found = value.variables
            elif is_variable(value):
                found = [value]
            elif isinstance(value, (list, tuple)):
                found = [v for item in value for v in visit(item)]
            elif isinstance(value, dict):
                found = [v for item in value.values() for v in visit(item)]
            else:
                return []
            return found

        for value in list(self.__dict__.values()):
            for v in visit(value):
                if id(v) not in seen:
                    seen.add(id(v))
                    own.append(v)
        return own

    def _follow_device(self, tensor):
        """Move the state to the data's device (only when it changes; no host sync). The move is
        in place (`.data`), so references held elsewhere (a subclass attribute) follow."""
        device = tensor.device
        if self._device != device:
            self._device = device
            for var in self._state_vars:
                var.data = var.data.to(device)

    def reset_state(self):
        for var in self._state_vars:
            var.zero_()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """Keras's functional form: returns the updated copies, leaving this metric's state."""
        self._check_stateless_variables(metric_variables)
        saved = [v.detach().clone() for v in self._state_vars]
        try:
            for var, value in zip(self._state_vars, metric_variables):
                _assign(var, value)
            self.update_state(*args, **kwargs)
            return [v.detach().clone() for v in self._state_vars]
        finally:
            for var, value in zip(self._state_vars, saved):
                _assign(var, value)

    def stateless_result(self, metric_variables):
        self._check_stateless_variables(metric_variables)
        saved = [v.detach().clone() for v in self._state_vars]
        try:
            for var, value in zip(self._state_vars, metric_variables):
                _assign(var, value)
            return self.result()
        finally:
            for var, value in zip(self._state_vars, saved):
                _assign(var, value)

    def stateless_reset_state(self):
        return [torch.zeros_like(v) for v in self._state_vars]

    def _check_stateless_variables(self, metric_variables):
        if len(metric_variables) != len(self._state_vars):
            raise ValueError(
                "Argument `metric_variables` must be a list of tensors corresponding 1:1 to "
                f"{self.__class__.__name__}().variables. Received list with length "
                f"{len(metric_variables)}, but expected {len(self._state_vars)} variables.")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def __getstate__(self):
        # The state tensors carry bound `assign` helpers (closures): pickle clean copies and
        # rebind on load, keeping attribute and `_state_vars` entries the same objects.
        clean = {id(v): v.detach().clone() for v in self._state_vars}
        state = {k: clean.get(id(v), v) if isinstance(v, torch.Tensor) else v
                 for k, v in self.__dict__.items()}
        state["_state_vars"] = [clean[id(v)] for v in self._state_vars]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        for var in self._state_vars:
            _bind_variable_methods(var)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Weight `values` and reduce them to one value per sample (Keras's Mean/Sum rule)."""
    mask = get_mask(values)
    values = values.to(dtype)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype=dtype, device=values.device)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, dtype, "sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim, v_ndim = sample_weight.dim(), values.dim()
        if v_ndim > w_ndim:
            values = reduce_fn(values, dim=list(range(w_ndim, v_ndim)))
        sample_weight = torch.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, dim=list(range(1, w_ndim)))
    if values.dim() > 1:
        values = reduce_fn(values, dim=list(range(1, values.dim())))
    return values, sample_weight


class Sum(Metric):
    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.add_variable((), name="total")

    def update_state(self, values, sample_weight=None):
        values = to_tensor(values, dtype=self._tdtype)
        self._follow_device(values)
        values, _ = reduce_to_samplewise_values(values, sample_weight, torch.sum, self._tdtype)
        self.total.add_(values.sum())

    def result(self):
        return self.total.clone()


class Mean(Metric):
    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.add_variable((), name="total")
        self.add_variable((), name="count")

    def update_state(self, values, sample_weight=None):
        values = to_tensor(values, dtype=self._tdtype)
        self._follow_device(values)
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, torch.mean,
                                                            self._tdtype)
        self.total.add_(values.sum())
        if sample_weight is not None:
            self.count.add_(sample_weight.sum())
        else:
            self.count.add_(values.shape[0] if values.dim() >= 1 else 1)

    def result(self):
        return divide_no_nan(self.total, self.count)


# Accuracy functions whose unweighted, unmasked update is a count of matches: fn -> count_fn
# (y_true, y_pred) returning a 0-d integer tensor equal to the sum of fn's values, or None.
MATCH_COUNTS = {}


class MeanMetricWrapper(Mean):
    """Mean of `fn(y_true, y_pred, **kwargs)` over all samples seen (honours `_keras_mask`)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"`fn` must be callable. Received: fn={fn!r}")
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is None and self._tdtype is torch.float32 and not self._fn_kwargs:
            count_fn = MATCH_COUNTS.get(self._fn)
            if count_fn is not None:
                matches = count_fn(y_true, y_pred)
                if matches is not None:
                    self._follow_device(matches)
                    self.total.add_(matches)
                    self.count.add_(float(y_pred.shape[0]))
                    return None
        mask = get_mask(y_pred)
        y_pred = to_tensor(y_pred)
        y_true = to_tensor(y_true, device=y_pred.device)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if (mask is None and sample_weight is None and type(values) is torch.Tensor
                and values.dim() == 1 and values.dtype is self._tdtype and not values.__dict__):
            # The per-step common case: what Mean.update_state does for unweighted per-sample
            # values, without its general weighting and reduction steps.
            self._follow_device(values)
            self.total.add_(values.sum())
            self.count.add_(float(values.shape[0]))
            return None
        if mask is not None:
            mask = to_tensor(mask, device=values.device)
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, dtype=self._tdtype, device=values.device)
        sample_weight = apply_mask(sample_weight, mask, self._tdtype, "sum")
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        from ..losses import serialize

        config = {"name": self.name, "dtype": self.dtype, "fn": serialize(self._fn)}
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from ..losses import deserialize

            config["fn"] = deserialize(config["fn"])
        return cls(**config)
