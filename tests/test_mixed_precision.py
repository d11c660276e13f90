"""Mixed precision: policies, per-layer dtype, autocast forward with float32 variables, loss
scaling for float16. Runs on CPU with bfloat16 (and CPU float16 autocast where torch has it)."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers, mixed_precision


@pytest.fixture(autouse=True)
def _reset_policy():
    yield
    mixed_precision.set_global_policy(None)


def test_policy_objects_and_names():
    p = mixed_precision.Policy("mixed_bfloat16")
    assert (p.name, p.compute_dtype, p.variable_dtype) == ("mixed_bfloat16", "bfloat16", "float32")
    assert mixed_precision.global_policy().name == "float32"
    keras.config.set_dtype_policy("mixed_float16")
    assert keras.config.dtype_policy() == mixed_precision.DTypePolicy("mixed_float16")
    with pytest.raises(ValueError, match="mixed_bfloat16"):
        mixed_precision.set_global_policy("mixed_int8")


def test_global_policy_layers_compute_low_variables_float32():
    mixed_precision.set_global_policy("mixed_bfloat16")
    model = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                              layers.Dense(3, activation="softmax", dtype="float32")])
    hidden, out = model.layers
    assert (hidden.compute_dtype, hidden.variable_dtype) == ("bfloat16", "float32")
    assert all(w.dtype == torch.float32 for w in model.parameters())
    x = torch.rand(5, 4)
    assert hidden(x).dtype == torch.bfloat16
    y = model(x)
    assert y.dtype == torch.float32  # the float32 output layer computes in float32
    # Independent reference: the hidden layer's math rounded to bfloat16 as autocast does.
    k, b = (torch.as_tensor(w) for w in hidden.get_weights())
    ref = torch.relu(x.bfloat16() @ k.bfloat16() + b.bfloat16())
    torch.testing.assert_close(hidden(x), ref, atol=2e-2, rtol=2e-2)


def test_per_layer_policy_inside_float32_model():
    model = keras.Sequential([layers.Dense(8, input_shape=(4,), dtype="mixed_bfloat16"),
                              layers.Dense(3)])
    assert model.layers[0](torch.rand(2, 4)).dtype == torch.bfloat16
    assert model.layers[1](torch.rand(2, 8)).dtype == torch.float32


def _fit(policy):
    mixed_precision.set_global_policy(policy)
    torch.manual_seed(0)
    model = keras.Sequential([layers.Dense(16, activation="relu", input_shape=(4,)),
                              layers.Dense(3, activation="softmax", dtype="float32")])
    rng = np.random.default_rng(0)
    x = rng.random((64, 4), dtype=np.float32)
    y = (x[:, 0] * 3).astype("int64").clip(0, 2)
    model.compile("adam", "sparse_categorical_crossentropy")
    hist = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    return model, hist.history["loss"]


def test_bfloat16_fit_trains_and_stays_close_to_float32():
    ref, ref_loss = _fit("float32")
    model, loss = _fit("mixed_bfloat16")
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert loss[-1] < loss[0]
    assert model.__dict__.get("_loss_scaler") is None  # bfloat16 needs no loss scaling
    np.testing.assert_allclose(loss, ref_loss, rtol=3e-2)


def test_float16_uses_loss_scaling():
    try:
        with torch.autocast("cpu", dtype=torch.float16):
            torch.nn.functional.linear(torch.rand(2, 2), torch.rand(2, 2))
    except RuntimeError:
        pytest.skip("this torch build has no float16 CPU autocast")
    model, loss = _fit("mixed_float16")
    assert model._loss_scaler is not None and model._loss_scaler.scale > 1
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert np.isfinite(loss).all() and loss[-1] < loss[0]


def test_bfloat16_outputs_reach_numpy_as_float32():
    # numpy has no bfloat16; Keras returns an ml_dtypes bfloat16 array, torchkeras the exact float32.
    mixed_precision.set_global_policy("mixed_bfloat16")
    model = keras.Sequential([layers.Dense(3, input_shape=(4,))])
    x = np.random.default_rng(0).random((5, 4), dtype=np.float32)
    direct = model(torch.as_tensor(x))
    assert direct.dtype == torch.bfloat16
    expected = direct.detach().float().numpy()
    for out in (model.predict(x, verbose=0), model.predict_on_batch(x),
                keras.ops.convert_to_numpy(direct)):
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, expected)
