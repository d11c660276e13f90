"""Metric base class and the reduction metrics (Sum, Mean, MeanMetricWrapper).

State lives in torch tensors on the device of the data: update_state never calls .item() or
otherwise syncs the host, so a training loop can update metrics every step for free."""

import torch

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


class Metric:
    """Stateful metric. Subclasses add state with `add_variable` and implement `update_state`,
    `result` (a scalar torch tensor, or a vector for multi-threshold metrics)."""

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(self.__class__.__name__)
        self._dtype = standardize_dtype(dtype)
        self._state_names = []
        self._device = None

    @property
    def dtype(self):
        return dtype_name(self._dtype)

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        if initializer not in ("zeros", None):
            raise ValueError(f"Only the 'zeros' initializer is supported for metric state. "
                             f"Received: initializer={initializer!r}")
        name = name or f"variable_{len(self._state_names)}"
        value = torch.zeros(tuple(shape), dtype=standardize_dtype(dtype or self._dtype),
                            device=self._device)
        setattr(self, name, value)
        self._state_names.append(name)
        return value

    add_weight = add_variable

    @property
    def variables(self):
        own = [getattr(self, n) for n in self._state_names]
        for sub in self.__dict__.values():
            if isinstance(sub, Metric):
                own.extend(sub.variables)
        return own

    def _follow_device(self, tensor):
        """Move the state to the data's device (only when it changes; no host sync)."""
        device = tensor.device
        if self._device != device:
            self._device = device
            for n in self._state_names:
                setattr(self, n, getattr(self, n).to(device))

    def reset_state(self):
        for n in self._state_names:
            getattr(self, n).zero_()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

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
        values = to_tensor(values, dtype=self._dtype)
        self._follow_device(values)
        values, _ = reduce_to_samplewise_values(values, sample_weight, torch.sum, self._dtype)
        self.total.add_(values.sum())

    def result(self):
        return self.total.clone()


class Mean(Metric):
    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.add_variable((), name="total")
        self.add_variable((), name="count")

    def update_state(self, values, sample_weight=None):
        values = to_tensor(values, dtype=self._dtype)
        self._follow_device(values)
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, torch.mean,
                                                            self._dtype)
        self.total.add_(values.sum())
        if sample_weight is not None:
            self.count.add_(sample_weight.sum())
        else:
            self.count.add_(float(values.shape[0]) if values.dim() >= 1 else 1.0)

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
        if sample_weight is None and self._dtype is torch.float32 and not self._fn_kwargs:
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
                and values.dim() == 1 and values.dtype is self._dtype and not values.__dict__):
            # The per-step common case: what Mean.update_state does for unweighted per-sample
            # values, without its general weighting and reduction steps.
            self._follow_device(values)
            self.total.add_(values.sum())
            self.count.add_(float(values.shape[0]))
            return None
        if mask is not None:
            mask = to_tensor(mask, device=values.device)
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, dtype=self._dtype, device=values.device)
        sample_weight = apply_mask(sample_weight, mask, self._dtype, "sum")
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
