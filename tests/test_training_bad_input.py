"""Issue 5 item 12 (bad input in training) and item 9 (device placement)."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.trainers import device as device_mod

RNG = np.random.default_rng(2)
X = RNG.standard_normal((32, 4)).astype("float32")
Y3 = RNG.integers(0, 3, 32)


def _clf(loss="sparse_categorical_crossentropy", metrics=None):
    keras.config.clear_session()
    torch.manual_seed(0)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    m.compile(optimizer="sgd", loss=loss, metrics=metrics)
    return m


def test_labels_of_wrong_shape_name_the_expected_shape():
    m = _clf(loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"shape"):
        m.fit(X, Y3.reshape(-1, 1).astype("float32")[:, :1].repeat(2, 1), epochs=1, verbose=0)


def test_unknown_metric_lists_valid_names():
    with pytest.raises(ValueError, match="accuracy"):
        m = _clf(metrics=["acuracy"])
        m.fit(X, Y3, epochs=1, verbose=0)


def _nan_data():
    x = X.copy()
    x[5] = np.nan
    return x


def test_nan_loss_terminate_on_nan_stops_and_without_it_fit_goes_on():
    m = _clf()
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    h = m.fit(_nan_data(), Y3, batch_size=8, epochs=3, verbose=0,
              callbacks=[keras.callbacks.TerminateOnNaN(), cb])
    assert seen == [0] and len(h.history["loss"]) == 1 and np.isnan(h.history["loss"][0])
    m = _clf()
    h = m.fit(_nan_data(), Y3, batch_size=8, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3 and np.isnan(h.history["loss"]).all()


def test_empty_dataset():
    m = _clf()
    with pytest.raises(ValueError, match="empty|non-empty|no batch|0 samples|zero"):
        m.fit(X[:0], Y3[:0], epochs=1, verbose=0)

    def nothing():
        return
        yield

    with pytest.raises(ValueError, match="empty|non-empty|no batch"):
        m.fit(nothing(), epochs=1, verbose=0)


def test_generator_that_raises_surfaces_its_traceback_and_model_stays_usable():
    m = _clf()

    def gen():
        yield X[:8], Y3[:8]
        raise KeyError("broken batch 2")

    with pytest.raises(KeyError, match="broken batch 2") as info:
        m.fit(gen(), epochs=1, verbose=0)
    assert any(tb.name == "gen" for tb in info.traceback)
    assert m.training is False or m.training is True     # state restored without error
    h = m.fit(X, Y3, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(h.history["loss"][0])
    assert m.predict(X, verbose=0).shape == (32, 3)


def test_class_weight_for_a_class_that_does_not_exist():
    m = _clf()
    with pytest.raises(ValueError, match="class"):
        m.fit(X, Y3, epochs=1, verbose=0, class_weight={0: 1.0, 1: 1.0, 7: 2.0})


def test_callback_that_raises_propagates_and_model_stays_usable():
    m = _clf()

    class Bad(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError, match="callback failed"):
        m.fit(X, Y3, epochs=2, verbose=0, callbacks=[Bad()])
    assert len(m.fit(X, Y3, epochs=1, verbose=0).history["loss"]) == 1


def test_get_weights_is_a_snapshot():
    m = _clf()
    w = m.get_weights()
    before = [a.copy() for a in w]
    m.fit(X, Y3, epochs=1, verbose=0)
    for a, b in zip(w, before):
        np.testing.assert_array_equal(a, b)


def test_predict_returns_host_numpy():
    m = _clf()
    out = m.predict(X, verbose=0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32


def test_default_device_choice(monkeypatch):
    monkeypatch.delenv("TORCHKERAS_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device_mod.default_device() == torch.device("cuda")
    monkeypatch.setenv("TORCHKERAS_DEVICE", "cpu")
    assert device_mod.default_device() == torch.device("cpu")
    monkeypatch.setenv("TORCHKERAS_DEVICE", "not-a-device")
    with pytest.raises(ValueError, match="TORCHKERAS_DEVICE"):
        device_mod.default_device()


def test_compile_moves_a_cpu_model_but_not_a_placed_one(monkeypatch):
    # "meta" stands in for an accelerator on a CPU-only machine.
    monkeypatch.setenv("TORCHKERAS_DEVICE", "meta")
    m = _clf()
    assert all(p.device.type == "meta" for p in m.parameters())
    monkeypatch.setenv("TORCHKERAS_DEVICE", "cpu")
    m = _clf()
    assert all(p.device.type == "cpu" for p in m.parameters())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_and_predict_on_host():
    m = _clf()
    assert next(m.parameters()).is_cuda
    m.fit(X, Y3, epochs=1, verbose=0)
    out = m.predict(X, verbose=0)
    assert isinstance(out, np.ndarray)


def test_class_weight_and_sample_weight_together_are_refused():
    # Keras raises this exact ValueError rather than combining the two weightings.
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = np.zeros((8, 3), "float32"), np.zeros(8, "int64")
    with pytest.raises(ValueError, match="class_weight` and `sample_weight` at the same time"):
        model.fit(x, y, class_weight={0: 1.0, 1: 2.0}, sample_weight=np.ones(8), verbose=0)
