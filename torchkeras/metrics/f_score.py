"""F-beta and F1 scores (Keras 3 semantics: per-class by default, 2D inputs)."""

import torch

from ..losses._utils import EPSILON, to_tensor
from .metric import Metric


class FBetaScore(Metric):
    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                                 f"Received: threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError("FBetaScore expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={pred_shape} and "
                             f"y_true.shape={true_shape}.")
        shape = () if self.average == "micro" else (pred_shape[-1],)
        for n in ("true_positives", "false_positives", "false_negatives",
                  "intermediate_weights"):
            self.add_variable(shape, name=n)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred, dtype=self._tdtype)
        y_true = to_tensor(y_true, dtype=self._tdtype, device=y_pred.device)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        self._follow_device(y_pred)
        if self.threshold is None:
            # the row's top score is the positive class (ties all count); all-zero rows none
            top = torch.amax(y_pred, dim=-1, keepdim=True)
            y_pred = (y_pred >= top) & (torch.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.to(self._tdtype)
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, dtype=self._tdtype, device=y_pred.device)

        def wsum(val):
            if sample_weight is not None:
                val = val * sample_weight.unsqueeze(1)
            return val.sum() if self.axis is None else val.sum(dim=self.axis)

        self.true_positives.add_(wsum(y_pred * y_true))
        self.false_positives.add_(wsum(y_pred * (1 - y_true)))
        self.false_negatives.add_(wsum((1 - y_pred) * y_true))
        self.intermediate_weights.add_(wsum(y_true))

    def result(self):
        if not self._built:
            return torch.zeros((), dtype=self._tdtype)
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + EPSILON)
        recall = tp / (tp + self.false_negatives + EPSILON)
        b2 = self.beta ** 2
        f = precision * recall / (b2 * precision + recall + EPSILON) * (1 + b2)
        if self.average == "weighted":
            w = self.intermediate_weights
            return torch.sum(f * (w / (w.sum() + EPSILON)))
        if self.average is not None:
            return f.mean()
        return f

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "average": self.average,
                "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
