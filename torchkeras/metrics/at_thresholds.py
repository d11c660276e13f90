"""Metrics that pick the best threshold under a constraint: SensitivityAtSpecificity,
SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision (Keras's
SensitivitySpecificityBase: `num_thresholds` evenly spaced thresholds on [0, 1])."""

import torch

from ..losses._utils import divide_no_nan, to_tensor
from .confusion import confusion_counts
from .metric import Metric


class SensitivitySpecificityBase(Metric):
    _value_name = None  # the constructor argument: "specificity", "sensitivity", ...

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. "
                             f"Received: {self._value_name}={value}")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        setattr(self, self._value_name, value)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        n = len(self.thresholds)
        for var in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            self.add_variable((n,), name=var)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred)
        self._follow_device(y_pred)
        counts = confusion_counts(y_true, y_pred, self.thresholds,
                                  self._thresholds_distributed_evenly, class_id=self.class_id,
                                  sample_weight=sample_weight)
        self.true_positives.add_(counts["tp"])
        self.false_positives.add_(counts["fp"])
        self.true_negatives.add_(counts["tn"])
        self.false_negatives.add_(counts["fn"])

    def _rates(self):
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        return {"sensitivity": divide_no_nan(tp, tp + fn),
                "specificity": divide_no_nan(tn, tn + fp),
                "precision": divide_no_nan(tp, tp + fp)}

    def _find_max_under_constraint(self, constrained, dependent):
        feasible = constrained >= self.value
        best = torch.where(feasible, dependent, torch.zeros_like(dependent))
        return torch.clamp(best.max(), min=0.0)

    def get_config(self):
        config = super().get_config()
        config.update({"class_id": self.class_id, "num_thresholds": self.num_thresholds,
                       self._value_name: getattr(self, self._value_name)})
        return config


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        r = self._rates()
        return self._find_max_under_constraint(r["specificity"], r["sensitivity"])


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        r = self._rates()
        return self._find_max_under_constraint(r["sensitivity"], r["specificity"])


class PrecisionAtRecall(SensitivitySpecificityBase):
    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        r = self._rates()
        return self._find_max_under_constraint(r["sensitivity"], r["precision"])


class RecallAtPrecision(SensitivitySpecificityBase):
    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        r = self._rates()
        return self._find_max_under_constraint(r["precision"], r["sensitivity"])
