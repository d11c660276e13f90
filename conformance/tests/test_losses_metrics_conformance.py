"""Every torchkeras loss and metric against real tf.keras 3.15 on random data.

Imports torch first, then keras (TF backend). Tolerance atol 1e-6, rtol 1e-5."""

# torch must be imported before tensorflow: keep this order
import torch  # noqa: I001
import numpy as np
import pytest
import keras
import tensorflow as tf
from keras.src.backend import set_keras_mask

import torchkeras.losses as tkl
import torchkeras.metrics as tkm

ATOL, RTOL = 1e-6, 1e-5
N, C = 16, 5
rng = np.random.default_rng(0)


def close(ours, ref):
    ours = ours.detach().cpu().numpy() if isinstance(ours, torch.Tensor) else np.asarray(ours)
    np.testing.assert_allclose(ours, np.asarray(ref), atol=ATOL, rtol=RTOL)


def f32(x):
    return np.asarray(x, dtype=np.float32)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def make(kind, seed=0):
    r = np.random.default_rng(seed)
    if kind == "regression":
        return f32(r.normal(size=(N, 3))), f32(r.normal(size=(N, 3)))
    if kind == "positive":
        return f32(r.uniform(0, 3, (N, 3))), f32(r.uniform(0.01, 3, (N, 3)))
    if kind == "binary":
        return f32(r.integers(0, 2, (N, 1))), f32(r.uniform(0, 1, (N, 1)))
    if kind == "binary_flat":
        return f32(r.integers(0, 2, (N,))), f32(r.uniform(0, 1, (N, 1)))
    if kind == "multilabel":
        return f32(r.integers(0, 2, (N, C))), f32(r.uniform(0, 1, (N, C)))
    if kind == "hinge":
        return f32(r.choice([-1, 1], (N, C))), f32(r.normal(size=(N, C)))
    if kind == "onehot":
        y = np.eye(C, dtype=np.float32)[r.integers(0, C, N)]
        return y, f32(softmax(r.normal(size=(N, C)) * 3))
    if kind == "onehot_extreme":
        y = np.eye(C, dtype=np.float32)[r.integers(0, C, N)]
        return y, f32(softmax(r.normal(size=(N, C)) * 30))
    if kind == "sparse_int":
        return r.integers(0, C, N).astype(np.int64), f32(softmax(r.normal(size=(N, C)) * 3))
    if kind == "sparse_col":
        return f32(r.integers(0, C, (N, 1))), f32(softmax(r.normal(size=(N, C)) * 30))
    if kind == "seg":  # integer class maps, labels and predictions, a few out of range
        return r.integers(0, C + 1, (N, 3)).astype(np.int64), r.integers(-1, C, (N, 3)).astype(
            np.int64)
    if kind == "embed":  # integer labels, L2-normalised embeddings (Circle)
        e = r.normal(size=(N, 8))
        return r.integers(0, 3, N).astype(np.int32), f32(e / np.linalg.norm(e, axis=1,
                                                                             keepdims=True))
    if kind == "ctc":  # labels 1..C-1 padded with the blank 0; logits over 10 steps
        lab = r.integers(1, C, (N, 4))
        lengths = r.integers(1, 5, N)
        lab[np.arange(4)[None, :] >= lengths[:, None]] = 0
        return lab.astype(np.int32), f32(r.normal(size=(N, 10, C)))
    if kind == "seq":
        return f32(r.normal(size=(N, 4, 3))), f32(r.normal(size=(N, 4, 3)))
    raise KeyError(kind)


LOSS_CASES = [
    ("MeanSquaredError", {}, "regression"), ("MeanSquaredError", {}, "seq"),
    ("MeanAbsoluteError", {}, "regression"), ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"), ("CosineSimilarity", {}, "regression"),
    ("Huber", {}, "regression"), ("Huber", {"delta": 0.3}, "regression"),
    ("LogCosh", {}, "regression"), ("Hinge", {}, "hinge"), ("Hinge", {}, "multilabel"),
    ("SquaredHinge", {}, "hinge"), ("CategoricalHinge", {}, "onehot"),
    ("KLDivergence", {}, "onehot"), ("Poisson", {}, "positive"),
    ("BinaryCrossentropy", {}, "binary"), ("BinaryCrossentropy", {}, "binary_flat"),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "multilabel"),
    ("BinaryFocalCrossentropy", {}, "multilabel"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 1.5}, "binary"),
    ("CategoricalCrossentropy", {}, "onehot"), ("CategoricalCrossentropy", {}, "onehot_extreme"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "onehot"),
    ("CategoricalFocalCrossentropy", {}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse_int"),
    ("SparseCategoricalCrossentropy", {}, "sparse_col"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, "sparse_int"),
    ("Dice", {}, "multilabel"), ("Dice", {"axis": -1}, "multilabel"),
    ("Dice", {"axis": (1, 2)}, "seq"),
    ("Tversky", {}, "multilabel"), ("Tversky", {"alpha": 0.2, "beta": 0.8, "axis": 1}, "multilabel"),
    ("Circle", {}, "embed"), ("Circle", {"gamma": 256, "margin": 0.25}, "embed"),
    ("Circle", {"remove_diagonal": False}, "embed"),
    ("CTC", {}, "ctc"),
    ("CategoricalGeneralizedCrossEntropy", {}, "sparse_int"),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.8}, "sparse_int"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"]


@pytest.mark.parametrize("cls,kwargs,kind", LOSS_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_classes(cls, kwargs, kind, weighted):
    y, p = make(kind)
    sw = f32(rng.uniform(0, 2, N)) if weighted else None
    if weighted and kind == "seq":
        sw = sw[:, None]  # Keras cannot broadcast (N,) weights against (N, T) losses
    for red in REDUCTIONS:
        ref = getattr(keras.losses, cls)(reduction=red, **kwargs)(y, p, sample_weight=sw)
        ours = getattr(tkl, cls)(reduction=red, **kwargs)(
            torch.from_numpy(y), torch.from_numpy(p),
            sample_weight=None if sw is None else torch.from_numpy(sw))
        close(ours, ref)
    assert getattr(tkl, cls)(**kwargs).get_config() == getattr(keras.losses, cls)(
        **kwargs).get_config()


FUNCS = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
         "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh", "hinge",
         "squared_hinge", "kl_divergence", "poisson", "dice", "tversky"]


@pytest.mark.parametrize("fn", FUNCS)
def test_loss_functions(fn):
    y, p = make("positive")
    close(getattr(tkl, fn)(torch.from_numpy(y), torch.from_numpy(p)), getattr(keras.losses, fn)(y, p))


def _tf_activation_output(z, act):
    out = keras.activations.softmax(tf.constant(z)) if act == "softmax" else \
        keras.activations.sigmoid(tf.constant(z))
    assert hasattr(out, "_keras_logits")
    return out


def _torch_activation_output(z, act):
    zt = torch.from_numpy(z)
    out = torch.softmax(zt, -1) if act == "softmax" else torch.sigmoid(zt)
    out._keras_logits = zt
    return out


@pytest.mark.parametrize("cls,act,kind", [
    ("CategoricalCrossentropy", "softmax", "onehot"),
    ("SparseCategoricalCrossentropy", "softmax", "sparse_int"),
    ("BinaryCrossentropy", "sigmoid", "binary"),
    ("BinaryCrossentropy", "sigmoid", "multilabel"),
    ("BinaryFocalCrossentropy", "sigmoid", "multilabel"),
])
def test_logits_trick(cls, act, kind):
    y, _ = make(kind)
    width = 1 if kind == "binary" else C
    z = f32(rng.normal(size=(N, width)) * 40)  # saturated: clipping would change the loss
    ref = getattr(keras.losses, cls)()(y, _tf_activation_output(z, act))
    ours = getattr(tkl, cls)()(torch.from_numpy(y), _torch_activation_output(z, act))
    close(ours, ref)
    # the metric side sees the logits too
    km, tm = getattr(keras.metrics, cls, None), getattr(tkm, cls, None)
    if km is not None and tm is not None:
        k, t = km(), tm()
        k.update_state(y, _tf_activation_output(z, act))
        t.update_state(torch.from_numpy(y), _torch_activation_output(z, act))
        close(t.result(), k.result())


@pytest.mark.parametrize("red", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_masks(red, weighted):
    y, p = make("seq")
    mask = rng.uniform(size=(N, 4)) > 0.3
    sw = f32(rng.uniform(0, 2, (N, 1))) if weighted else None
    pt = tf.constant(p)
    set_keras_mask(pt, tf.constant(mask))
    ref = keras.losses.MeanSquaredError(reduction=red)(y, pt, sample_weight=sw)
    pp = torch.from_numpy(p)
    pp._keras_mask = torch.from_numpy(mask)
    swt = None if sw is None else torch.from_numpy(sw)
    ours = tkl.MeanSquaredError(reduction=red)(torch.from_numpy(y), pp, sample_weight=swt)
    close(ours, ref)
    km, tm = keras.metrics.MeanSquaredError(), tkm.MeanSquaredError()
    km.update_state(y, pt, sample_weight=sw)
    tm.update_state(torch.from_numpy(y), pp, sample_weight=swt)
    close(tm.result(), km.result())


METRIC_CASES = [
    ("Accuracy", {}, "binary"), ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.3}, "multilabel"),
    ("CategoricalAccuracy", {}, "onehot"), ("SparseCategoricalAccuracy", {}, "sparse_int"),
    ("SparseCategoricalAccuracy", {}, "sparse_col"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse_int"),
    ("MeanSquaredError", {}, "regression"), ("MeanAbsoluteError", {}, "regression"),
    ("RootMeanSquaredError", {}, "regression"), ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"), ("CosineSimilarity", {}, "regression"),
    ("LogCoshError", {}, "regression"), ("Hinge", {}, "hinge"), ("SquaredHinge", {}, "hinge"),
    ("CategoricalHinge", {}, "onehot"), ("KLDivergence", {}, "onehot"),
    ("Poisson", {}, "positive"), ("BinaryCrossentropy", {}, "multilabel"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse_int"),
    ("AUC", {}, "binary"), ("AUC", {"curve": "PR"}, "multilabel"),
    ("AUC", {"num_thresholds": 50, "summation_method": "minoring"}, "multilabel"),
    ("AUC", {"multi_label": True}, "multilabel"), ("AUC", {"from_logits": True}, "regression_bin"),
    ("AUC", {"thresholds": [0.1, 0.5, 0.77]}, "binary"),
    ("Precision", {}, "binary"), ("Recall", {}, "multilabel"),
    ("Precision", {"thresholds": [0.2, 0.5, 0.9]}, "multilabel"),
    ("Precision", {"top_k": 2}, "multilabel"), ("Recall", {"class_id": 1}, "multilabel"),
    ("Recall", {"thresholds": [0.0, 0.5, 1.0]}, "multilabel"),
    ("TruePositives", {}, "binary"), ("FalsePositives", {}, "binary"),
    ("TrueNegatives", {}, "multilabel"), ("FalseNegatives", {}, "multilabel"),
    ("F1Score", {}, "onehot"), ("F1Score", {"average": "macro", "threshold": 0.4}, "multilabel"),
    ("FBetaScore", {"beta": 2.0, "average": "weighted"}, "multilabel"),
    ("F1Score", {"average": "micro"}, "onehot"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, "seg"),
    ("MeanIoU", {"num_classes": C}, "seg"), ("MeanIoU", {"num_classes": C, "ignore_class": 1}, "seg"),
    ("MeanIoU", {"num_classes": C, "sparse_y_pred": False}, "sparse_int"),
    ("MeanIoU", {"num_classes": C, "dtype": "float32"}, "seg"),
    ("BinaryIoU", {}, "binary"), ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary_flat"),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [1, 3]}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": C}, "onehot"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"class_aggregation": None, "num_regressors": 2}, "regression"),
    ("PearsonCorrelation", {}, "regression"), ("ConcordanceCorrelation", {}, "regression"),
    ("PearsonCorrelation", {}, "seq"), ("ConcordanceCorrelation", {"axis": 1}, "seq"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "binary"),
    ("SensitivityAtSpecificity", {"specificity": 0.3, "class_id": 2}, "multilabel"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7}, "multilabel"),
    ("PrecisionAtRecall", {"recall": 0.6, "num_thresholds": 37}, "multilabel"),
    ("RecallAtPrecision", {"precision": 0.4}, "binary"),
    ("RecallAtPrecision", {"precision": 0.4, "num_thresholds": 1}, "binary"),
]
NEW_METRICS = {"IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "R2Score",
               "PearsonCorrelation", "ConcordanceCorrelation", "SensitivityAtSpecificity",
               "SpecificityAtSensitivity", "PrecisionAtRecall", "RecallAtPrecision"}


@pytest.mark.parametrize("cls,kwargs,kind", METRIC_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("weighted", [False, True])
def test_metrics(cls, kwargs, kind, weighted):
    k, t = getattr(keras.metrics, cls)(**kwargs), getattr(tkm, cls)(**kwargs)
    for seed in (1, 2):
        if kind == "regression_bin":
            y, _ = make("multilabel", seed)
            p = f32(np.random.default_rng(seed).normal(size=y.shape) * 2)
        else:
            y, p = make(kind, seed)
        sw = f32(np.random.default_rng(seed + 9).uniform(0, 2, N)) if weighted else None
        if weighted and kind == "seg":  # per-pixel integer weights (Keras can't broadcast (N,))
            sw = f32(np.random.default_rng(seed + 9).integers(0, 3, y.shape))
        k.update_state(y, p, sample_weight=sw)
        t.update_state(torch.from_numpy(y), torch.from_numpy(p),
                       sample_weight=None if sw is None else torch.from_numpy(sw))
    close(t.result(), k.result())
    t.reset_state()
    k.reset_state()
    close(t.result(), k.result())
    if cls in NEW_METRICS:
        assert t.get_config() == k.get_config()
        assert [tuple(v.shape) for v in t.variables] == [tuple(v.shape) for v in k.variables]
        assert t.dtype == k.dtype


@pytest.mark.parametrize("loss,out_units,labels,metrics", [
    ("binary_crossentropy", 1, "binary", ["accuracy", "acc", "mae", "mse", "AUC"]),
    ("categorical_crossentropy", C, "onehot", ["accuracy", "top_k_categorical_accuracy",
                                               "categorical_crossentropy", "mean_squared_error"]),
    ("sparse_categorical_crossentropy", C, "sparse", ["acc", "Accuracy", "accuracy"]),
])
def test_history_keys(loss, out_units, labels, metrics):
    x = f32(rng.normal(size=(N, 4)))
    if labels == "binary":
        y = f32(rng.integers(0, 2, (N, 1)))
    elif labels == "onehot":
        y = np.eye(C, dtype=np.float32)[rng.integers(0, C, N)]
    else:
        y = rng.integers(0, C, N)
    act = "sigmoid" if out_units == 1 else "softmax"
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(out_units, activation=act)])
    model.compile(optimizer="sgd", loss=loss, metrics=list(metrics))
    hist = model.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_split=0.25)
    yp = torch.zeros((8, out_units))
    ms = [tkm.get(m, torch.as_tensor(y[:8]), yp) for m in metrics]
    keys = ["loss"] + tkm.result_keys([(None, m) for m in ms])
    assert sorted(hist.history) == sorted(keys + ["val_" + k for k in keys])
    # accuracy kind resolved like Keras
    kinds = {m.name: type(m).__name__ for m in model.metrics[1].metrics}
    assert {m.name: type(m).__name__ for m in ms} == kinds


def test_multi_output_history_keys():
    inp = keras.Input((4,))
    a = keras.layers.Dense(1, activation="sigmoid", name="a")(inp)
    b = keras.layers.Dense(2, name="b")(inp)
    model = keras.Model(inp, [a, b])
    model.compile(optimizer="sgd", loss=["binary_crossentropy", "mse"],
                  metrics=[["accuracy"], ["mae", "mae"]])
    x = f32(rng.normal(size=(N, 4)))
    ya, yb = f32(rng.integers(0, 2, (N, 1))), f32(rng.normal(size=(N, 2)))
    hist = model.fit(x, [ya, yb], epochs=1, verbose=0)
    keys = ["loss", tkm.get_loss_metric_name("a"), tkm.get_loss_metric_name("b")]
    pairs = [("a", tkm.get("accuracy", torch.as_tensor(ya), torch.zeros(1, 1)))]
    pairs += [("b", tkm.get("mae", torch.as_tensor(yb), torch.zeros(1, 2))) for _ in range(2)]
    keys += tkm.result_keys(pairs)
    assert sorted(hist.history) == sorted(keys)


@pytest.mark.parametrize("name", [
    "mse", "MSE", "mae", "mape", "msle", "kld", "KLD", "bce", "BCE", "huber", "log_cosh",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "Huber", "CategoricalCrossentropy", "kl_divergence", "poisson", "hinge", "cosine_similarity",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "squared_hinge",
    "categorical_hinge", "MeanSquaredError", "LogCosh", "KLDivergence"])
def test_losses_get_same_kind(name):
    ref, ours = keras.losses.get(name), tkl.get(name)
    assert isinstance(ref, keras.losses.Loss) == isinstance(ours, tkl.Loss)
    if isinstance(ours, tkl.Loss):
        assert type(ours).__name__ == type(ref).__name__ and ours.name == ref.name
    else:
        assert ours.__name__ == ref.__name__


def test_metrics_get_same_names():
    for name in ["mse", "mae", "mape", "msle", "auc", "precision", "recall", "f1_score",
                 "binary_accuracy", "categorical_crossentropy", "root_mean_squared_error",
                 "log_cosh_error", "kl_divergence", "Precision", "TopKCategoricalAccuracy"]:
        assert type(tkm.get(name)).__name__ == type(keras.metrics.get(name)).__name__, name
    for bad in ["huber", "nope"]:
        with pytest.raises(ValueError):
            keras.metrics.get(bad)
        with pytest.raises(ValueError):
            tkm.get(bad)
