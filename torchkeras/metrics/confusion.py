"""Confusion-matrix metrics: Precision, Recall, AUC and the TP/FP/TN/FN counters.

Counts are accumulated per threshold on the data's device. Evenly spaced thresholds (AUC's
default) use Keras's bucket scheme (bucket = ceil(p * (n - 1)) - 1, then a reversed cumsum), which
is O(n + N) instead of O(n * N) and gives Keras's exact counts."""

import numpy as np
import torch

from ..losses._utils import EPSILON, squeeze_or_expand_to_same_rank, to_tensor
from .metric import Metric

NEG_INF = -1e10


def _to_list(x):
    return list(x) if isinstance(x, (list, tuple, np.ndarray)) else [x]


def parse_thresholds(thresholds, default):
    if thresholds is not None:
        bad = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in _to_list(default if thresholds is None else thresholds)]


def evenly_distributed(thresholds):
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def _filter_top_k(x, k):
    idx = torch.topk(x, k, dim=-1).indices
    keep = torch.zeros_like(x).scatter_(-1, idx, 1.0)
    return x * keep + NEG_INF * (1 - keep)


def confusion_counts(y_true, y_pred, thresholds, evenly, top_k=None, class_id=None,
                     sample_weight=None, multi_label=False, label_weights=None):
    """Return dict tp/fp/tn/fn of per-threshold weighted counts, shape (T,) or (T, labels)."""
    dtype = torch.float32
    y_pred = to_tensor(y_pred, dtype=dtype)
    y_true = to_tensor(y_true, dtype=dtype, device=y_pred.device)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype=dtype, device=y_pred.device).unsqueeze(-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}")
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"y_true and y_pred must have the same shape for confusion metrics. "
                         f"Received: y_true.shape={tuple(y_true.shape)}, "
                         f"y_pred.shape={tuple(y_pred.shape)}")
    weights = None
    if sample_weight is not None:
        weights = torch.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        lw = torch.broadcast_to(label_weights.to(y_pred.device, dtype).unsqueeze(0), y_pred.shape)
        weights = lw if weights is None else weights * lw
    label_pos = y_true != 0
    if multi_label:
        y_pred2 = y_pred.reshape(y_pred.shape[0], -1)
        label_pos = label_pos.reshape(y_pred2.shape)
        weights = weights.reshape(y_pred2.shape) if weights is not None else None
    else:
        y_pred2 = y_pred.reshape(-1)
        label_pos = label_pos.reshape(-1)
        weights = weights.reshape(-1) if weights is not None else None
    w = torch.ones_like(y_pred2) if weights is None else weights
    true_w = label_pos.to(dtype) * w
    false_w = (1.0 - label_pos.to(dtype)) * w
    n = len(thresholds)
    if evenly:
        tp, fp = _bucket_counts(y_pred2, true_w, false_w, n, thresholds[0] < 0 or
                                thresholds[-1] > 1, multi_label)
    else:
        th = _thresholds_tensor(tuple(thresholds), y_pred.device)
        th = th.view(n, *([1] * y_pred2.dim()))
        pred_pos = (y_pred2.unsqueeze(0) > th).to(dtype)
        tp = (pred_pos * true_w).sum(dim=1)
        fp = (pred_pos * false_w).sum(dim=1)
    total_true = true_w.sum(dim=0)
    total_false = false_w.sum(dim=0)
    return {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}


_TH_CACHE = {}


def _thresholds_tensor(thresholds, device):
    # cached per device: a fresh host-to-device copy every step would stall the stream
    key = (thresholds, str(device))
    if key not in _TH_CACHE:
        _TH_CACHE[key] = torch.tensor(thresholds, dtype=torch.float32, device=device)
    return _TH_CACHE[key]


def _bucket_counts(y_pred, true_w, false_w, n, with_epsilon, multi_label):
    p = torch.clamp(y_pred, 0.0, 1.0)
    bucket = torch.ceil(p * float(n - 1)) - 1
    if with_epsilon:
        bucket = torch.relu(bucket)
    bucket = bucket.to(torch.int64)
    valid = (bucket >= 0).to(true_w.dtype)  # negative ids are dropped, as segment_sum does
    bucket = bucket.clamp(min=0)
    if multi_label:
        labels = y_pred.shape[1]
        flat = (bucket * labels + torch.arange(labels, device=bucket.device)).reshape(-1)
        size, shape = n * labels, (n, labels)
    else:
        flat, size, shape = bucket, n, (n,)
    tp_b = torch.zeros(size, dtype=true_w.dtype, device=true_w.device)
    fp_b = torch.zeros(size, dtype=true_w.dtype, device=true_w.device)
    tp_b.index_add_(0, flat, (true_w * valid).reshape(-1))
    fp_b.index_add_(0, flat, (false_w * valid).reshape(-1))
    tp = tp_b.view(shape).flip(0).cumsum(0).flip(0)
    fp = fp_b.view(shape).flip(0).cumsum(0).flip(0)
    return tp, fp


class _ConfusionBase(Metric):
    _kind = None  # "tp" | "fp" | "tn" | "fn"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._evenly = evenly_distributed(self.thresholds)
        self.add_variable((len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred)
        self._follow_device(y_pred)
        counts = confusion_counts(y_true, y_pred, self.thresholds, self._evenly,
                                  sample_weight=sample_weight)
        self.accumulator.add_(counts[self._kind])

    def result(self):
        return self.accumulator[0].clone() if len(self.thresholds) == 1 else self.accumulator.clone()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


class TruePositives(_ConfusionBase):
    _kind = "tp"


class FalsePositives(_ConfusionBase):
    _kind = "fp"


class TrueNegatives(_ConfusionBase):
    _kind = "tn"


class FalseNegatives(_ConfusionBase):
    _kind = "fn"


class _PrecisionRecall(Metric):
    _other = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_thresholds(thresholds, default)
        self._evenly = evenly_distributed(self.thresholds)
        other = "false_positives" if self._other == "fp" else "false_negatives"
        self.add_variable((len(self.thresholds),), name="true_positives")
        self.add_variable((len(self.thresholds),), name=other)
        self._other_name = other

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred)
        self._follow_device(y_pred)
        counts = confusion_counts(y_true, y_pred, self.thresholds, self._evenly, self.top_k,
                                  self.class_id, sample_weight)
        self.true_positives.add_(counts["tp"])
        getattr(self, self._other_name).add_(counts[self._other])

    def result(self):
        tp = self.true_positives
        den = tp + getattr(self, self._other_name)
        res = torch.where(den == 0, torch.zeros_like(tp), tp / torch.where(den == 0, 1.0, den))
        return res[0] if len(self.thresholds) == 1 else res

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    _other = "fp"


class Recall(_PrecisionRecall):
    _other = "fn"
