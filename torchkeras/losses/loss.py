"""Loss base class and LossFunctionWrapper (Keras 3 semantics on torch tensors)."""

import re

import torch

from torchkeras import config

from ._utils import (
    dtype_name,
    get_mask,
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
    standardize_dtype,
    standardize_reduction,
    to_tensor,
)
from .crossentropy import (
    categorical_crossentropy,
    categorical_crossentropy_mean,
    sparse_categorical_crossentropy,
    sparse_categorical_crossentropy_mean,
)


def to_snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def auto_name(prefix):
    """Keras-style unique names: first use is `prefix`, then `prefix_1`, `prefix_2`, ... Keras
    numbers layers, losses and metrics from one table that `clear_session()` resets: so here."""
    return config.unique_name(to_snake_case(prefix))


def get_object_name(obj):
    if hasattr(obj, "name") and isinstance(obj.name, str):
        return obj.name
    if hasattr(obj, "__name__"):
        return to_snake_case(obj.__name__)
    return to_snake_case(obj.__class__.__name__)


class Loss:
    """Loss base class. Subclasses implement `call(y_true, y_pred)` returning per-sample values.

    Args:
        name: name of the loss instance.
        reduction: "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight",
            "none" or None.
        dtype: computation dtype (default float32).
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(self.__class__.__name__)
        self.reduction = standardize_reduction(reduction)
        # `_dtype` is Keras's string; `_tdtype` the torch dtype the computation uses.
        self._tdtype = standardize_dtype(dtype)
        self._dtype = dtype_name(self._tdtype)

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = get_mask(y_pred)
        y_pred = to_tensor(y_pred, dtype=self._tdtype)
        # Keras casts labels (sparse ones too) to the loss dtype
        y_true = to_tensor(y_true, dtype=self._tdtype, device=y_pred.device)
        losses = self.call(y_true, y_pred)
        out_mask = get_mask(losses)
        if in_mask is not None:
            in_mask = to_tensor(in_mask, device=losses.device).to(torch.bool)
        if in_mask is not None and out_mask is not None:
            mask = in_mask & out_mask
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self._tdtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(
            f"Loss subclass {self.__class__.__name__} must implement `call(y_true, y_pred)`."
        )

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """Wraps a per-sample function `fn(y_true, y_pred, **kwargs)` into a reducing Loss."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"`fn` must be callable. Received: fn={fn!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def __call__(self, y_true, y_pred, sample_weight=None):
        # The training loop's common case, reduced in one pass (same bits as the general path).
        if sample_weight is None and self.reduction == "sum_over_batch_size" and (
                type(self).call is LossFunctionWrapper.call):
            fused = _MEAN_FORMS.get(self.fn)
            if fused is not None:
                if (type(y_pred) is torch.Tensor and y_pred.dtype is not self._tdtype
                        and y_pred.is_floating_point()):
                    # A mixed-precision output: the general path's first step, done here once.
                    y_pred = to_tensor(y_pred, dtype=self._tdtype)
                out = fused(y_true, y_pred, self._tdtype, **self._fn_kwargs)
                if out is not None:
                    return out
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        from . import serialize

        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from . import deserialize

            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


# Per-sample loss functions with a one-pass form of their "sum_over_batch_size" reduction.
_MEAN_FORMS = {categorical_crossentropy: categorical_crossentropy_mean,
               sparse_categorical_crossentropy: sparse_categorical_crossentropy_mean}
