"""torchkeras.metrics against independent numpy computations (no TensorFlow here)."""

import numpy as np
import pytest
import torch

import torchkeras.metrics as M

rng = np.random.default_rng(1)


def t(x):
    return torch.as_tensor(np.asarray(x, dtype=np.float32))


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a.detach()), b, rtol=tol, atol=1e-6)


def test_mean_sum_and_weights():
    m = M.Mean()
    m.update_state(t([1, 2, 3]))
    m.update_state(t([4]), sample_weight=t([3]))
    close(m.result(), (1 + 2 + 3 + 12) / 6)
    s = M.Sum()
    s.update_state(t([[1, 2], [3, 4]]), sample_weight=t([1, 0]))
    close(s.result(), 3.0)
    m.reset_state()
    close(m.result(), 0.0)
    assert len(m.variables) == 2 and m.get_config() == {"name": "mean", "dtype": "float32"}


def test_accuracies():
    yb = np.array([[1], [0], [1], [0]], np.float32)
    pb = np.array([[0.7], [0.6], [0.4], [0.1]], np.float32)
    m = M.BinaryAccuracy()
    m.update_state(t(yb), t(pb))
    close(m.result(), 0.5)
    labels = rng.integers(0, 4, 20)
    p = rng.uniform(size=(20, 4)).astype(np.float32)
    hits = (p.argmax(-1) == labels).astype(np.float32)
    sw = rng.uniform(size=20).astype(np.float32)
    m = M.SparseCategoricalAccuracy()
    m.update_state(torch.as_tensor(labels), t(p), sample_weight=t(sw))
    close(m.result(), (hits * sw).sum() / sw.sum())
    m = M.CategoricalAccuracy()
    m.update_state(t(np.eye(4)[labels]), t(p))
    close(m.result(), hits.mean())
    top2 = np.argsort(-p, -1)[:, :2]
    hit2 = np.array([labels[i] in top2[i] for i in range(20)], np.float32)
    m = M.SparseTopKCategoricalAccuracy(k=2)
    m.update_state(t(labels[:, None]), t(p))
    close(m.result(), hit2.mean())
    m = M.TopKCategoricalAccuracy(k=2)
    m.update_state(t(np.eye(4)[labels]), t(p))
    close(m.result(), hit2.mean())


def test_accuracy_masked():
    y = rng.integers(0, 3, (2, 5))
    p = rng.uniform(size=(2, 5, 3)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool)
    pt = t(p)
    pt._keras_mask = torch.as_tensor(mask)
    m = M.SparseCategoricalAccuracy()
    m.update_state(torch.as_tensor(y), pt)
    close(m.result(), (p.argmax(-1) == y)[mask].mean())


def test_regression_metrics():
    y, p = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    for cls, ref in [(M.MeanSquaredError, ((y - p) ** 2).mean()),
                     (M.MeanAbsoluteError, np.abs(y - p).mean()),
                     (M.RootMeanSquaredError, np.sqrt(((y - p) ** 2).mean()))]:
        m = cls()
        m.update_state(t(y[:4]), t(p[:4]))
        m.update_state(t(y[4:]), t(p[4:]))
        close(m.result(), ref)


def _np_auc_roc(y, p, n=200):
    th = np.array([-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7])
    pos = p[None, :] > th[:, None]
    tp = (pos & (y == 1)).sum(1)
    fp = (pos & (y == 0)).sum(1)
    fn = (y == 1).sum() - tp
    tn = (y == 0).sum() - fp
    tpr = tp / np.maximum(tp + fn, 1)
    fpr = fp / np.maximum(fp + tn, 1)
    return np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2)


def test_auc_precision_recall():
    y = rng.integers(0, 2, 100).astype(np.float32)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, 100), 0, 1).astype(np.float32)
    m = M.AUC()
    m.update_state(t(y), t(p))
    close(m.result(), _np_auc_roc(y, p), tol=1e-4)
    pr = M.Precision()
    pr.update_state(t(y), t(p))
    pred = p > 0.5
    close(pr.result(), (pred & (y == 1)).sum() / pred.sum())
    rc = M.Recall(thresholds=[0.3, 0.6])
    rc.update_state(t(y), t(p))
    ref = [((p > th) & (y == 1)).sum() / (y == 1).sum() for th in (0.3, 0.6)]
    close(rc.result(), np.array(ref))


def test_f1():
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 30)]
    p = rng.uniform(size=(30, 3)).astype(np.float32)
    pred = (p == p.max(-1, keepdims=True)).astype(np.float32)
    tp, fp, fn = (pred * y).sum(0), (pred * (1 - y)).sum(0), ((1 - pred) * y).sum(0)
    prec, rec = tp / (tp + fp), tp / (tp + fn)
    m = M.F1Score(average="macro")
    m.update_state(t(y), t(p))
    close(m.result(), (2 * prec * rec / (prec + rec)).mean(), tol=1e-4)


def test_state_stays_on_device_without_sync():
    m = M.AUC()
    m.update_state(t([0, 1]), t([0.2, 0.8]))
    assert all(v.device == torch.device("cpu") for v in m.variables)
    assert isinstance(m.result(), torch.Tensor)


def test_get_compile_resolution_and_names():
    ybin, pbin = torch.zeros(4, 1), torch.zeros(4, 1)
    m = M.get("accuracy", ybin, pbin)
    assert isinstance(m, M.BinaryAccuracy) and m.name == "accuracy"
    m = M.get("acc", torch.zeros(4), torch.zeros(4, 3))
    assert isinstance(m, M.SparseCategoricalAccuracy) and m.name == "acc"
    m = M.get("accuracy", torch.zeros(4, 3), torch.zeros(4, 3))
    assert isinstance(m, M.CategoricalAccuracy)
    assert M.get("mae", ybin, pbin).name == "mae"
    assert isinstance(M.get("mse", ybin, pbin), M.MeanSquaredError)
    h = M.get("huber", ybin, pbin)  # every loss name works as a metric
    assert isinstance(h, M.MeanMetricWrapper) and h.name == "huber"
    assert M.get("mse").name.startswith("mean_squared_error")
    with pytest.raises(ValueError, match="Valid names"):
        M.get("accuracyy", ybin, pbin)
    with pytest.raises(ValueError, match="first batch"):
        M.get_metric("accuracy")
    ms = [M.get(n, ybin, pbin) for n in ("mae", "mae", "acc")]
    assert M.result_keys([(None, x) for x in ms]) == ["mae", "mae_1", "acc"]
    assert M.result_keys([("out", ms[0])], [("out", ms[0])]) == ["out_mae", "out_weighted_mae"]
    assert M.get_loss_metric_name() == "loss" and M.get_loss_metric_name("a") == "a_loss"


def test_bad_shapes():
    with pytest.raises(ValueError, match="sparse_categorical_accuracy"):
        M.CategoricalAccuracy().update_state(torch.zeros(4), torch.zeros(4, 3))
    with pytest.raises(ValueError, match="2D inputs"):
        M.F1Score().update_state(torch.zeros(4), torch.zeros(4))


def test_auto_names_number_per_session_like_keras():
    # Keras numbers unnamed metrics from the table that clear_session() resets (layers share it).
    import torchkeras as tk
    tk.backend.clear_session()
    assert [tk.metrics.AUC().name for _ in range(3)] == ["auc", "auc_1", "auc_2"]
    tk.backend.clear_session()
    assert tk.metrics.AUC().name == "auc" and tk.metrics.Precision().name == "precision"
    assert tk.metrics.Mean().name == "mean" and tk.metrics.Mean().name == "mean"  # a fixed default
