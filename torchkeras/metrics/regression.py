"""Regression, hinge and probabilistic metrics: means of the matching per-sample losses."""

import torch

from .. import losses as L
from ..losses._utils import squeeze_or_expand_to_same_rank, to_tensor
from .metric import Mean, MeanMetricWrapper


class _SimpleWrapper(MeanMetricWrapper):
    _metric_fn = None
    _default_name = None

    def __init__(self, name=None, dtype=None):
        super().__init__(type(self)._metric_fn, name=name or self._default_name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


def _simple(cls_name, fn, default_name):
    cls = type(cls_name, (_SimpleWrapper,), {"_metric_fn": staticmethod(fn),
                                              "_default_name": default_name})
    cls.__doc__ = f"Mean of `{fn.__name__}` over all samples (name defaults to {default_name!r})."
    return cls


MeanSquaredError = _simple("MeanSquaredError", L.mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _simple("MeanAbsoluteError", L.mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _simple("MeanAbsolutePercentageError",
                                      L.mean_absolute_percentage_error,
                                      "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _simple("MeanSquaredLogarithmicError",
                                      L.mean_squared_logarithmic_error,
                                      "mean_squared_logarithmic_error")
LogCoshError = _simple("LogCoshError", L.log_cosh, "logcosh")
KLDivergence = _simple("KLDivergence", L.kl_divergence, "kl_divergence")
Poisson = _simple("Poisson", L.poisson, "poisson")
Hinge = _simple("Hinge", L.hinge, "hinge")
SquaredHinge = _simple("SquaredHinge", L.squared_hinge, "squared_hinge")
CategoricalHinge = _simple("CategoricalHinge", L.categorical_hinge, "categorical_hinge")


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity (note: positive, unlike the loss)."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(_cosine_similarity, name=name, dtype=dtype, axis=axis)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


def _cosine_similarity(y_true, y_pred, axis=-1):
    return -L.cosine_similarity(y_true, y_pred, axis=axis)


class RootMeanSquaredError(Mean):
    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred, dtype=self._tdtype)
        y_true = to_tensor(y_true, dtype=self._tdtype, device=y_pred.device)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(torch.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return torch.sqrt(super().result())


class BinaryCrossentropy(MeanMetricWrapper):
    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(L.binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(L.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(L.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}
