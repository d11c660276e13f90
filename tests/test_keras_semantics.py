"""Keras semantics found by side-by-side QA against tf.keras 3.15.1 (TF backend).

Each expected value comes from what real Keras did on the same code (stated per test) or from a
numpy formula; none is copied from torchkeras's own output.
"""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return keras.ops.convert_to_numpy(t)


# Keras: Dense on int32, int64 and bool inputs returns float32 (its matmul promotes the ids to the
# kernel's dtype); the values are those of the float input.
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_dense_promotes_integer_inputs_to_float(dtype):
    d = layers.Dense(2)
    x = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    y = d(x)
    assert y.dtype == torch.float32
    w, b = d.get_weights()
    np.testing.assert_allclose(_np(y), x.astype("float32") @ w + b, rtol=1e-6, atol=1e-6)


# Keras: TimeDistributed(Dense) on int32 returns float32, shape (2, 4, 2).
def test_time_distributed_dense_int_input():
    y = layers.TimeDistributed(layers.Dense(2))(np.ones((2, 4, 3), "int32"))
    assert tuple(y.shape) == (2, 4, 2) and y.dtype == torch.float32


# Keras: LSTM/GRU/SimpleRNN(2) on an int32 (2, 4, 3) sequence return float32 (2, 2).
@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_rnn_promotes_integer_sequences(cls):
    x = np.ones((2, 4, 3), "int32")
    layer = cls(2)
    y = layer(x)
    assert tuple(y.shape) == (2, 2) and y.dtype == torch.float32
    np.testing.assert_allclose(_np(y), _np(layer(x.astype("float32"))), rtol=1e-6, atol=1e-7)


# Keras: GlobalAveragePooling2D on int32 (2, 4, 4, 3) returns the float32 mean, shape (2, 3).
def test_global_average_pooling_int_input():
    x = np.arange(2 * 4 * 4 * 3).reshape(2, 4, 4, 3).astype("int32")
    y = layers.GlobalAveragePooling2D()(x)
    assert y.dtype == torch.float32
    np.testing.assert_allclose(_np(y), x.mean(axis=(1, 2)), rtol=1e-6)
    y1 = layers.GlobalAveragePooling1D()(x[:, 0])
    np.testing.assert_allclose(_np(y1), x[:, 0].mean(axis=1), rtol=1e-6)


# Keras: Masking(0.0).compute_mask on a numpy array works: [[True, False, True]].
def test_masking_compute_mask_on_numpy():
    x = np.array([[[1.0], [0.0], [2.0]]], "float32")
    mask = layers.Masking(0.0).compute_mask(x)
    np.testing.assert_array_equal(_np(mask), [[True, False, True]])


def _mlp():
    return keras.Sequential([keras.Input((784,)), layers.Dense(32, activation="relu"),
                             layers.Dense(10, activation="softmax")])


# Keras calls a user's print_fn once with the whole summary (ending in a newline); after an Adam
# step, "Total params" counts the optimizer's variables: 76,352 = 25,450 weights + 50,902.
def test_summary_print_fn_and_optimizer_params():
    m = _mlp()
    calls = []
    m.summary(print_fn=calls.append)
    assert len(calls) == 1 and calls[0].endswith("\n")
    assert " Total params: 25,450 (99.41 KB)" in calls[0].splitlines()
    m.compile("adam", "mse")
    m.fit(np.ones((2, 784)), np.ones((2, 10)), verbose=0)
    calls = []
    m.summary(print_fn=calls.append)
    lines = calls[0].splitlines()
    assert " Total params: 76,352 (298.25 KB)" in lines
    assert " Trainable params: 25,450 (99.41 KB)" in lines
    assert " Optimizer params: 50,902 (198.84 KB)" in lines


# Keras: predict(x.tolist()) -> ValueError "Unrecognized data type".
def test_predict_rejects_nested_python_lists():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="Unrecognized data type"):
        m.predict(np.ones((2, 3)).tolist(), verbose=0)


# Keras: fit(batch_size=0) trains as if batch_size were unset (32): one step per epoch here.
def test_fit_batch_size_zero_is_unset():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    m.compile("sgd", "mse")
    h = m.fit(np.ones((40, 3)), np.ones((40, 2)), batch_size=0, epochs=1, verbose=0)
    assert h.params["steps"] == 2


# tf.keras: with a last partial batch, "<output>_loss" is the plain mean of the per-batch losses
# (its compiled step sees no static batch size), while "loss" is sample-weighted. Observed on a
# 2-output model, 5 samples, batch_size=2: y1_loss 0.3151 (bs 2) vs 0.3063 (bs 5), loss equal.
def test_per_output_loss_is_batch_mean_total_is_sample_mean():
    a = keras.Input((4,))
    m = keras.Model(a, [layers.Dense(1, name="y1")(a), layers.Dense(1, name="y2")(a)])
    rs = np.random.RandomState(0)
    m.set_weights([rs.uniform(-0.5, 0.5, w.shape).astype("float32") for w in m.get_weights()])
    m.compile("sgd", ["mse", "mae"])
    x = rs.rand(5, 4).astype("float32")
    y1, y2 = rs.rand(5, 1).astype("float32"), rs.rand(5, 1).astype("float32")
    w1, b1, w2, b2 = m.get_weights()
    p1, p2 = x @ w1 + b1, x @ w2 + b2
    batches = [slice(0, 2), slice(2, 4), slice(4, 5)]
    mse = [np.mean((p1[s] - y1[s]) ** 2) for s in batches]
    mae = [np.mean(np.abs(p2[s] - y2[s])) for s in batches]
    r = m.evaluate(x, [y1, y2], batch_size=2, verbose=0, return_dict=True)
    np.testing.assert_allclose(r["y1_loss"], np.mean(mse), rtol=1e-5)
    np.testing.assert_allclose(r["y2_loss"], np.mean(mae), rtol=1e-5)
    total = np.mean((p1 - y1) ** 2, axis=1) + np.mean(np.abs(p2 - y2), axis=1)
    np.testing.assert_allclose(r["loss"], np.mean(total), rtol=1e-5)
