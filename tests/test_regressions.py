"""Bugs seen when porting real scripts, each pinned by a test that fails without its fix."""

import re
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def test_categorical_accuracy_accepts_boolean_one_hot_targets():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 40)
    y = np.eye(3, dtype=bool)[labels]
    pred = rng.random((40, 3)).astype("float32")
    expected = float(np.mean(pred.argmax(-1) == labels))
    m = keras.metrics.CategoricalAccuracy()
    m.update_state(y, pred)
    assert float(m.result()) == pytest.approx(expected)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(pred, y, epochs=1, verbose=0)
    assert 0.0 <= hist.history["accuracy"][0] <= 1.0


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = layers.Dense(8, activation="relu")
        self.d2 = layers.Dense(3, activation="softmax")

    def call(self, x):
        return self.d2(self.d1(x))


def test_subclassed_model_called_on_input_then_fit():
    # Sublayers first built inside the symbolic call used to get fake-tensor parameters.
    model = _Subclassed()
    out = model(keras.Input((4,)))
    assert tuple(out.shape) == (None, 3)
    assert all(type(p) is torch.nn.Parameter for p in model.parameters())
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(1).random((32, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[np.arange(32) % 3]
    hist = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()


def test_summary_sizes_each_variable_by_its_dtype(capsys):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(3)])
    model.compile("adam", "mse")
    model.fit(np.zeros((8, 4), "float32"), np.zeros((8, 3), "float32"), verbose=0)
    model.summary()
    text = capsys.readouterr().out
    n_weights = 4 * 8 + 8 + 8 * 3 + 3
    # Adam: m and v per weight (float32), an int64 iteration counter and a float32 learning rate.
    opt_bytes = 2 * n_weights * 4 + 8 + 4
    assert f"Optimizer params: {2 * n_weights + 2:,} ({opt_bytes:.2f} B)" in text
    assert f"Total params: {3 * n_weights + 2:,} ({opt_bytes + 4 * n_weights:.2f} B)" in text


def test_input_shape_on_a_layer_warns_as_keras():
    with pytest.warns(UserWarning, match=re.escape("Do not pass an `input_shape`/`input_dim`")):
        layers.Dense(2, input_shape=(3,))
    with pytest.warns(UserWarning, match="input_dim"):
        layers.Dense(2, input_dim=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.Sequential([keras.Input((3,)), layers.Dense(2)])
