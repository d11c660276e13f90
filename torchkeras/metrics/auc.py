"""AUC with Keras's threshold grid, Riemann sums and PR interpolation (Davis & Goadrich)."""

import numpy as np
import torch

from ..losses._utils import EPSILON, divide_no_nan, to_tensor
from .confusion import confusion_counts, evenly_distributed
from .metric import Metric

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        curve_key = str(getattr(curve, "value", curve)).lower()
        if curve_key not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". '
                             'Expected values are ["PR", "ROC", "PRGAIN"]')
        summ = str(getattr(summation_method, "value", summation_method)).lower()
        if summ not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(float(t) for t in thresholds)
            self._evenly = evenly_distributed(np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        # the end points sit just outside [0, 1] so that 0 and 1 predictions are counted
        self._thresholds = [0.0 - EPSILON] + thresholds + [1.0 + EPSILON]
        self.curve = _CURVES[curve_key]
        self.summation_method = summ
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (None if label_weights is None
                              else torch.as_tensor(label_weights, dtype=self._tdtype))
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
            vshape = (self.num_thresholds, self._num_labels)
        else:
            vshape = (self.num_thresholds,)
        for n in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            self.add_variable(vshape, name=n)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred, dtype=self._tdtype)
        if not self._built:
            self._build(tuple(y_pred.shape))
        self._follow_device(y_pred)
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred)
        counts = confusion_counts(y_true, y_pred, self._thresholds, self._evenly,
                                  sample_weight=sample_weight, multi_label=self.multi_label,
                                  label_weights=None if self.multi_label else self.label_weights)
        self.true_positives.add_(counts["tp"])
        self.false_positives.add_(counts["fp"])
        self.true_negatives.add_(counts["tn"])
        self.false_negatives.add_(counts["fn"])

    def _by_label(self, values):
        if not self.multi_label:
            return values.sum()
        by_label = values.sum(dim=0)
        if self.label_weights is None:
            return by_label.mean()
        lw = self.label_weights.to(by_label.device)
        return divide_no_nan((by_label * lw).sum(), lw.sum())

    def interpolate_pr_auc(self):
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = divide_no_nan(dtp, torch.clamp(dp, min=0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = torch.where((p[: n - 1] > 0) & (p[1:] > 0),
                                   divide_no_nan(p[: n - 1], torch.clamp(p[1:], min=0)),
                                   torch.ones_like(p[1:]))
        increment = divide_no_nan(prec_slope * (dtp + intercept * torch.log(safe_p_ratio)),
                                  torch.clamp(tp[1:] + fn[1:], min=0))
        return self._by_label(increment)

    def result(self):
        n = self.num_thresholds
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            scale = divide_no_nan(tp + fn, tn + fp)
            rg = 1.0 - scale * divide_no_nan(fn, tp)
            pg = 1.0 - scale * divide_no_nan(fp, tp)
            x = torch.clamp(torch.where(tp == 0, torch.zeros_like(rg), rg), min=0.0)
            y = torch.where(tp == 0, torch.ones_like(pg), pg)
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[: n - 1], y[1:])
        else:
            heights = torch.maximum(y[: n - 1], y[1:])
        return self._by_label((x[: n - 1] - x[1:]) * heights)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        lw = self.label_weights
        config = {"name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if lw is None else lw.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
