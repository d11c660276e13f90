"""IoU, correlation, R2 and at-threshold metrics: numpy references, configs, state, dtypes."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import metrics

rng = np.random.default_rng(0)


def _iou_reference(y_true, y_pred, n, ids, weights=None):
    cm = np.zeros((n, n))
    w = np.ones(y_true.size) if weights is None else weights.ravel()
    for t, p, wi in zip(y_true.ravel(), y_pred.ravel(), w):
        if 0 <= t < n and 0 <= p < n:
            cm[t, p] += wi
    tp = np.diag(cm)
    den = cm.sum(0) + cm.sum(1) - tp
    valid = den[ids] > 0
    return (tp[ids][valid] / den[ids][valid]).sum() / valid.sum()


def test_mean_iou_matches_confusion_matrix_formula():
    y, p = rng.integers(0, 4, (6, 5)), rng.integers(0, 4, (6, 5))
    m = metrics.MeanIoU(num_classes=4)
    m.update_state(y, p)
    np.testing.assert_allclose(m.result(), _iou_reference(y, p, 4, [0, 1, 2, 3]), rtol=1e-6)
    assert m.dtype == "int64" and m.variables[0].dtype == torch.int64
    assert tuple(m.variables[0].shape) == (4, 4)
    m.reset_state()
    assert float(m.result()) == 0.0


def test_iou_target_ids_ignore_class_and_weights():
    y, p = rng.integers(0, 3, 20), rng.integers(0, 3, 20)
    w = rng.integers(0, 3, 20)
    m = metrics.IoU(num_classes=3, target_class_ids=[0, 2], dtype="float32")
    m.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(m.result(), _iou_reference(y, p, 3, [0, 2], w), rtol=1e-6)
    ign = metrics.MeanIoU(num_classes=3, ignore_class=1)
    ign.update_state(y, p)
    keep = y != 1
    np.testing.assert_allclose(ign.result(), _iou_reference(y[keep], p[keep], 3, [0, 1, 2]),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="out of range"):
        metrics.IoU(num_classes=2, target_class_ids=[2])


def test_one_hot_and_binary_iou():
    y = np.eye(3)[rng.integers(0, 3, 10)]
    p = rng.random((10, 3))
    m = metrics.OneHotMeanIoU(num_classes=3)
    m.update_state(y, p)
    ref = _iou_reference(y.argmax(-1), p.argmax(-1), 3, [0, 1, 2])
    np.testing.assert_allclose(m.result(), ref, rtol=1e-6)
    b = metrics.BinaryIoU(target_class_ids=[1], threshold=0.3)
    yt, yp = rng.integers(0, 2, 12), rng.random(12)
    b.update_state(yt, yp)
    np.testing.assert_allclose(b.result(), _iou_reference(yt, (yp >= 0.3).astype(int), 2, [1]),
                               rtol=1e-6)
    assert b.get_config() == {"target_class_ids": [1], "threshold": 0.3, "name": b.name,
                              "dtype": "int64"}
    clone = metrics.OneHotIoU.from_config(metrics.OneHotIoU(3, [0, 1]).get_config())
    assert clone.target_class_ids == [0, 1] and clone.sparse_y_true is False


def test_r2_score_against_numpy():
    y, p = rng.normal(size=(30, 2)), rng.normal(size=(30, 2))
    m = metrics.R2Score()
    m.update_state(y[:10], p[:10])
    m.update_state(y[10:], p[10:])
    ss_res = ((y - p) ** 2).sum(0)
    ss_tot = ((y - y.mean(0)) ** 2).sum(0)
    np.testing.assert_allclose(m.result(), (1 - ss_res / ss_tot).mean(), rtol=1e-5)
    raw = metrics.R2Score(class_aggregation=None)
    raw.update_state(y, p)
    np.testing.assert_allclose(raw.result(), 1 - ss_res / ss_tot, rtol=1e-5)
    adj = metrics.R2Score(num_regressors=3)
    adj.update_state(y[:, :1], p[:, :1])
    r2 = 1 - ss_res[0] / ss_tot[0]
    np.testing.assert_allclose(adj.result(), 1 - (1 - r2) * 29 / 26, rtol=1e-5)
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="bad")
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.R2Score().update_state(np.ones(3), np.ones(3))


def test_pearson_and_concordance_functions():
    y, p = rng.normal(size=(4, 7)), rng.normal(size=(4, 7))
    ref = [np.corrcoef(a, b)[0, 1] for a, b in zip(y, p)]
    np.testing.assert_allclose(metrics.pearson_correlation(y, p), ref, rtol=1e-5)
    tm, pm = y.mean(-1, keepdims=True), p.mean(-1, keepdims=True)
    norm = y.var(-1, keepdims=True) + p.var(-1, keepdims=True) + (tm - pm) ** 2
    ref_ccc = np.mean(2 * (y - pm) * (p - pm) / (norm + 1e-7), -1)
    np.testing.assert_allclose(metrics.concordance_correlation(y, p), ref_ccc, rtol=1e-5,
                               atol=1e-6)
    m = metrics.PearsonCorrelation()
    m.update_state(y, p)
    np.testing.assert_allclose(m.result(), np.mean(ref), rtol=1e-5)
    assert m.get_config() == {"name": m.name, "dtype": "float32", "axis": -1}


def _at_threshold_reference(y, p, n):
    th = np.array([0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0])
    pos = p[None, :] > th[:, None]
    tp = (pos & (y == 1)).sum(1)
    fp = (pos & (y == 0)).sum(1)
    fn = (~pos & (y == 1)).sum(1)
    tn = (~pos & (y == 0)).sum(1)
    div = lambda a, b: np.where(b == 0, 0.0, a / np.maximum(b, 1))  # noqa: E731
    return div(tp, tp + fn), div(tn, tn + fp), div(tp, tp + fp)


@pytest.mark.parametrize("cls,value,constrained,dependent", [
    ("SensitivityAtSpecificity", 0.6, 1, 0), ("SpecificityAtSensitivity", 0.7, 0, 1),
    ("PrecisionAtRecall", 0.5, 0, 2), ("RecallAtPrecision", 0.6, 2, 0)])
def test_at_threshold_metrics(cls, value, constrained, dependent):
    y, p = rng.integers(0, 2, 64), rng.random(64).astype(np.float32)
    m = getattr(metrics, cls)(value, num_thresholds=21)
    m.update_state(y, p)
    rates = _at_threshold_reference(y, p, 21)
    feasible = rates[constrained] >= value
    np.testing.assert_allclose(m.result(), max(0.0, np.where(feasible, rates[dependent], 0).max()),
                               rtol=1e-6)
    assert len(m.variables) == 4 and tuple(m.variables[0].shape) == (21,)
    with pytest.raises(ValueError, match="range"):
        getattr(metrics, cls)(1.5)


def test_metric_dtype_strings_and_custom_variables():
    m = metrics.Mean(dtype="int32")
    assert m.dtype == "int32" and m._dtype == "int32"
    assert all(v.dtype == torch.int32 for v in m.variables)
    with pytest.raises(AttributeError):
        m.dtype = "float16"
    assert metrics.Hinge(dtype="float16").dtype == "float16"
    assert keras.losses.MeanSquaredError(dtype="mixed_float16").dtype == "float16"

    class Counter(metrics.Metric):
        def __init__(self):
            super().__init__(name="counter")
            self.seen = self.add_variable((), name="seen_total", dtype="int32")

        def update_state(self, y):
            self.seen.assign(self.seen + len(y))

        def result(self):
            return self.seen

    c = Counter()
    c.update_state([1, 2, 3])
    c.update_state([4])
    assert int(c.result()) == 4 and len(c.variables) == 1
    state = c.stateless_update_state([torch.tensor(10, dtype=torch.int32)], [1, 2])
    assert int(state[0]) == 12 and int(c.result()) == 4
    c.reset_state()
    assert int(c.result()) == 0
