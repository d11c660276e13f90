"""The training loop's short paths (single-output loss and metrics, the one-pass sparse
crossentropy, accuracy as a match count, direct train/eval flags, skipped no-op batch hooks)
give exactly what the general paths give: fit, evaluate and predict run both ways from the same
weights must agree bit for bit, and the values themselves are checked against numpy."""

import importlib

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers
from torchkeras.losses import crossentropy as ce
from torchkeras.losses import loss as loss_module
from torchkeras.losses.loss import Loss
from torchkeras.metrics import metric as metric_module
from torchkeras.trainers import compile_utils, loops, mode

# (`torchkeras.metrics.accuracy` is also the name of the accuracy function)
acc = importlib.import_module("torchkeras.metrics.accuracy")


def _without_single(cls, value):
    build = cls.build

    def build_general(self, y_true, y_pred):
        build(self, y_true, y_pred)
        self._single = value
    return build_general


@pytest.fixture
def general_paths(monkeypatch):
    """Call it to turn every short path off for the rest of the test."""

    def turn_off():
        monkeypatch.setattr(loss_module, "_MEAN_FORMS", {})
        monkeypatch.setattr(metric_module, "MATCH_COUNTS", {})
        monkeypatch.setattr(mode, "_plain_modules", lambda model: None)
        monkeypatch.setattr(loops, "_batch_hooks", lambda callbacks, kind: True)
        monkeypatch.setattr(compile_utils.CompileLoss, "build",
                            _without_single(compile_utils.CompileLoss, None))
        monkeypatch.setattr(compile_utils.CompileMetrics, "build",
                            _without_single(compile_utils.CompileMetrics, False))

    return turn_off


def _data(kind, n=203, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    labels = rng.integers(0, 4, n)
    if kind == "sparse":
        return x, labels
    if kind == "sparse_int32_column":
        return x, labels.astype("int32").reshape(-1, 1)
    return x, np.eye(4, dtype="float32")[labels]


_CONFIGS = {
    "sparse": dict(data="sparse", loss="sparse_categorical_crossentropy", metrics=["accuracy"]),
    "sparse_int32_column": dict(data="sparse_int32_column", loss="sparse_categorical_crossentropy",
                                metrics=["accuracy", "sparse_categorical_accuracy"]),
    "categorical": dict(data="onehot", loss="categorical_crossentropy",
                        metrics=["accuracy", "categorical_accuracy"]),
    # instances made per run (a metric object shared by two models would share its state)
    "from_logits": dict(data="sparse", activation=None,
                        loss=lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                        metrics=lambda: [keras.metrics.SparseCategoricalAccuracy()]),
    "weighted": dict(data="sparse", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                     weighted_metrics=["accuracy"], sample_weight=True),
    "class_weight": dict(data="sparse", loss="sparse_categorical_crossentropy",
                         metrics=["accuracy"], class_weight={0: 1.0, 1: 2.0, 2: 0.5, 3: 1.0}),
    # float16 / bfloat16 model outputs reach the loss and the metrics
    "mixed_float16": dict(data="sparse", loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"], policy="mixed_float16"),
    "mixed_bfloat16_onehot": dict(data="onehot", loss="categorical_crossentropy",
                                  metrics=["accuracy"], policy="mixed_bfloat16"),
}


def _run(config, seed_weights):
    x, y = _data(config["data"])
    keras.mixed_precision.set_global_policy(config.get("policy"))
    try:
        model = keras.Sequential([
            layers.Dense(8, activation="relu", input_shape=(6,)),
            layers.Dropout(0.25),
            layers.Dense(4, activation=config.get("activation", "softmax"))])
    finally:
        keras.mixed_precision.set_global_policy(None)
    model.set_weights(seed_weights)
    loss, metrics = (v() if callable(v) else v for v in (config["loss"], config["metrics"]))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, metrics=metrics,
                  weighted_metrics=config.get("weighted_metrics"))
    fit_kwargs = {}
    if config.get("sample_weight"):
        fit_kwargs["sample_weight"] = np.linspace(0.1, 2.0, len(x)).astype("float32")
    if config.get("class_weight"):
        fit_kwargs["class_weight"] = config["class_weight"]
    torch.manual_seed(123)  # the shuffle order and the Dropout masks
    history = model.fit(x, y, batch_size=32, epochs=3, validation_data=(x[:50], y[:50]),
                        verbose=0, **fit_kwargs)
    evaluated = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    predicted = model.predict(x, batch_size=64, verbose=0)
    weights = [w.copy() for w in model.get_weights()]
    modes = {m.training for m in model.modules()}
    return history.history, evaluated, predicted, weights, modes


@pytest.mark.parametrize("name", sorted(_CONFIGS))
def test_fit_short_paths_match_the_general_paths_bitwise(name, general_paths):
    config = _CONFIGS[name]
    template = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                                 layers.Dropout(0.25), layers.Dense(4)])
    seed_weights = [np.asarray(w) for w in template.get_weights()]
    fast = _run(config, seed_weights)
    general_paths()
    general = _run(config, seed_weights)
    (h1, e1, p1, w1, t1), (h2, e2, p2, w2, t2) = fast, general
    assert h1 == h2  # floats compared exactly, keys and order of epochs included
    assert e1 == e2
    assert np.array_equal(p1, p2)
    assert len(w1) == len(w2) and all(np.array_equal(a, b) for a, b in zip(w1, w2))
    assert t1 == t2 and len(t1) == 1  # the loops restore one mode for all modules either way
    assert len(h1["loss"]) == 3 and all(np.isfinite(v) for v in h1["loss"])


def _probabilities(logits):
    out = torch.softmax(logits, -1)
    out._keras_logits = logits
    return out


@pytest.mark.parametrize("case", ["int64", "int32", "uint8", "float32", "column", "rank3",
                                  "probabilities", "from_logits"])
def test_one_pass_sparse_crossentropy_is_the_general_path_bitwise(case):
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(24, 7, generator=g) * 3
    labels = torch.randint(0, 7, (24,), generator=g)
    kwargs = {"from_logits": True} if case == "from_logits" else {}
    target = {"int32": labels.int(), "uint8": labels.to(torch.uint8), "float32": labels.float(),
              "column": labels.reshape(-1, 1)}.get(case, labels)
    if case == "rank3":
        logits, target = logits.reshape(4, 6, 7), labels.reshape(4, 6)
    loss = keras.losses.SparseCategoricalCrossentropy(**kwargs)
    results = []
    for fused in (True, False):
        leaf = logits.clone().requires_grad_(True)
        pred = leaf if case == "from_logits" else (
            torch.softmax(leaf, -1) if case == "probabilities" else _probabilities(leaf))
        if fused:
            out = ce.sparse_categorical_crossentropy_mean(target, pred, torch.float32, **kwargs)
            assert out is not None
        else:
            out = Loss.__call__(loss, target, pred)
        out.backward()
        results.append((out.detach(), leaf.grad))
    (v1, g1), (v2, g2) = results
    assert torch.equal(v1, v2) and torch.equal(g1, g2)
    z = logits.double().reshape(-1, 7).numpy()
    log_p = z - z.max(-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(-1, keepdims=True))
    expected = -log_p[np.arange(24), labels.numpy()].mean()
    np.testing.assert_allclose(float(v1), expected, rtol=1e-5)


def test_one_pass_sparse_crossentropy_leaves_the_rest_to_the_general_path():
    logits = torch.randn(6, 3)
    labels = torch.tensor([0, 1, 2, 1, 0, 2])
    fused = ce.sparse_categorical_crossentropy_mean
    masked = _probabilities(logits)
    masked._keras_mask = torch.tensor([True] * 4 + [False] * 2)
    assert fused(labels, masked, torch.float32) is None
    assert fused(labels, _probabilities(logits), torch.float32, ignore_class=1) is None
    assert fused(labels.double(), _probabilities(logits), torch.float32) is None
    assert fused(labels[:5], _probabilities(logits), torch.float32) is None
    with pytest.warns(UserWarning, match="from_logits=True"):  # the general path warns
        keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, _probabilities(logits))
    # masked samples do not count, as in Keras: the mean over the first four
    full = keras.losses.SparseCategoricalCrossentropy()
    torch.testing.assert_close(full(labels, masked), full(labels[:4], _probabilities(logits[:4])))


@pytest.mark.parametrize("metric_cls,sparse", [(keras.metrics.SparseCategoricalAccuracy, True),
                                                (keras.metrics.CategoricalAccuracy, False)])
def test_accuracy_match_counts_equal_the_per_sample_mean(metric_cls, sparse, monkeypatch):
    g = torch.Generator().manual_seed(2)
    preds = torch.randint(0, 3, (40, 5), generator=g).float()  # many ties: argmax takes the first
    preds[3] = float("nan")
    labels = torch.randint(0, 5, (40,), generator=g)
    y = labels.int().reshape(-1, 1) if sparse else torch.nn.functional.one_hot(labels, 5).float()
    fast = metric_cls()
    for lo, hi in ((0, 17), (17, 40)):
        fast.update_state(y[lo:hi], preds[lo:hi])
    monkeypatch.setattr(metric_module, "MATCH_COUNTS", {})
    general = metric_cls()
    for lo, hi in ((0, 17), (17, 40)):
        general.update_state(y[lo:hi], preds[lo:hi])
    assert torch.equal(fast.total, general.total) and torch.equal(fast.count, general.count)
    assert torch.equal(fast.result(), general.result())
    expected = (np.argmax(preds.numpy(), -1) == labels.numpy()).mean()  # numpy: NaN is the max
    assert float(fast.result()) == pytest.approx(expected)
    assert float(fast.count) == 40.0


def test_match_counts_decline_what_they_do_not_cover():
    preds = torch.rand(4, 3)
    labels = torch.tensor([0, 1, 2, 1])
    for low in (torch.float64, torch.float16, torch.bfloat16):  # any float output is counted
        expected = acc.sparse_categorical_accuracy(labels, preds.to(low)).sum()
        assert acc.sparse_categorical_match_count(labels, preds.to(low)) == expected
    assert acc.sparse_categorical_match_count(torch.tensor([0.0, 1, 2, 1]).double(), preds) is None
    assert acc.sparse_categorical_match_count(torch.zeros(4, 2), preds) is None
    assert acc.categorical_match_count(torch.zeros(4, 2), preds) is None
    masked = preds.clone()
    masked._keras_mask = torch.tensor([True, True, False, False])
    assert acc.sparse_categorical_match_count(torch.tensor([0, 1, 2, 1]), masked) is None


class _CountingTrain(layers.Dense):
    calls = 0

    def train(self, mode=True):
        type(self).calls += 1
        return super().train(mode)


def test_set_mode_writes_every_flag_and_respects_custom_train():
    shared = layers.Dense(3)
    model = keras.Sequential([layers.Dense(3, input_shape=(2,)), shared])
    model.extra = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Sequential(shared)])
    mode.set_mode(model, False, use_eval=True)
    assert all(m.training is False for m in model.modules())
    mode.set_mode(model, True)
    assert all(m.training is True for m in model.modules())
    custom = keras.Sequential([_CountingTrain(3, input_shape=(2,))])
    mode.set_mode(custom, False, use_eval=True)
    assert _CountingTrain.calls == 1 and not any(m.training for m in custom.modules())
    with pytest.raises(ValueError, match="boolean"):
        mode.set_mode(custom, "yes")  # torch's own check still runs


def test_batch_hooks_run_whenever_someone_listens():
    seen = []

    class Listener(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(("train", batch, sorted(logs)))

        def on_predict_batch_begin(self, batch, logs=None):
            seen.append(("predict", batch))

    model = keras.Sequential([layers.Dense(2, activation="softmax", input_shape=(3,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.ones((10, 3), "float32"), np.zeros(10, "int64")
    model.fit(x, y, batch_size=4, verbose=0, callbacks=[Listener()])
    model.predict(x, batch_size=5, verbose=0, callbacks=[Listener()])
    assert seen == [("train", 0, ["accuracy", "loss"]), ("train", 1, ["accuracy", "loss"]),
                    ("train", 2, ["accuracy", "loss"]), ("predict", 0), ("predict", 1)]


def test_loss_tracker_mean_of_batch_losses_weighted_by_batch_size():
    tracker = compile_utils.MeanTracker("loss")
    values = [torch.tensor(0.5), torch.tensor(1.25, dtype=torch.float64), torch.tensor([1.0, 3.0])]
    for v, n in zip(values, (4, 2, 1)):
        tracker.update_state(v, n)
    assert float(tracker.result()) == pytest.approx((0.5 * 4 + 1.25 * 2 + 2.0 * 1) / 7)
    assert tracker.result().dtype == torch.float32
