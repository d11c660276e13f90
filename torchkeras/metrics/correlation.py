"""Correlation metrics (Pearson, concordance) and R2Score, Keras 3.15 formulas."""

import warnings

import torch

from ..losses._utils import EPSILON, squeeze_or_expand_to_same_rank, to_tensor
from .metric import MeanMetricWrapper, Metric


def _prepare(y_true, y_pred):
    y_pred = to_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.float32)
    y_true = to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Per-sample Pearson correlation along `axis` (population standard deviations)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    t = y_true - y_true.mean(dim=axis, keepdim=True)
    p = y_pred - y_pred.mean(dim=axis, keepdim=True)
    t = t / t.std(dim=axis, keepdim=True, unbiased=False)
    p = p / p.std(dim=axis, keepdim=True, unbiased=False)
    return torch.mean(t * p, dim=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Per-sample concordance correlation along `axis`.

    The covariance term is Keras 3.15's: (y_true - mean(y_pred)) * (y_pred - mean(y_pred))."""
    y_true, y_pred = _prepare(y_true, y_pred)
    t_mean = y_true.mean(dim=axis, keepdim=True)
    p_mean = y_pred.mean(dim=axis, keepdim=True)
    t_var = (y_true - t_mean).var(dim=axis, keepdim=True, unbiased=False)
    p_var = (y_pred - p_mean).var(dim=axis, keepdim=True, unbiased=False)
    covar = (y_true - p_mean) * (y_pred - p_mean)
    norm = t_var + p_var + torch.square(t_mean - p_mean)
    return torch.mean(2 * covar / (norm + EPSILON), dim=axis)


class PearsonCorrelation(MeanMetricWrapper):
    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """Coefficient of determination over all samples seen, per output column then aggregated;
    `num_regressors` > 0 gives the adjusted R2."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{_AGGREGATIONS}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), name="num_samples")
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={pred_shape} and "
                             f"y_true.shape={true_shape}.")
        n = pred_shape[-1]
        self.squared_sum = self.add_variable((n,), name="squared_sum")
        self.sum = self.add_variable((n,), name="sum")
        self.total_mse = self.add_variable((n,), name="residual")
        self.count = self.add_variable((n,), name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred, dtype=self._tdtype)
        y_true = to_tensor(y_true, dtype=self._tdtype, device=y_pred.device)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        self._follow_device(y_pred)
        if sample_weight is None:
            sample_weight = torch.ones((), dtype=self._tdtype, device=y_pred.device)
        sample_weight = to_tensor(sample_weight, dtype=self._tdtype, device=y_pred.device)
        if sample_weight.dim() == 1:
            sample_weight = sample_weight.unsqueeze(1)
        sample_weight = torch.broadcast_to(sample_weight, y_true.shape)
        weighted_true = y_true * sample_weight
        self.sum.add_(weighted_true.sum(dim=0))
        self.squared_sum.add_((y_true * weighted_true).sum(dim=0))
        self.total_mse.add_((torch.square(y_true - y_pred) * sample_weight).sum(dim=0))
        self.count.add_(sample_weight.sum(dim=0))
        self.num_samples.add_(y_true.numel())

    def result(self):
        if not self._built:
            return torch.zeros((), dtype=self._tdtype)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw = 1 - self.total_mse / total
        raw = torch.where(torch.isinf(raw), torch.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = torch.sum(total * raw) / torch.sum(total)
        else:
            score = raw
        if self.num_regressors != 0:
            n_samples = float(self.num_samples)
            if self.num_regressors > n_samples - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif self.num_regressors == n_samples - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard "
                              "R2 score.", stacklevel=2)
            else:
                n, p = n_samples, float(self.num_regressors)
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return score

    def reset_state(self):
        for var in self.variables:
            var.zero_()

    def get_config(self):
        config = super().get_config()
        config.update({"class_aggregation": self.class_aggregation,
                       "num_regressors": self.num_regressors})
        return config
