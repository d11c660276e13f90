"""Keras's top-level and utility names that are not layers: Variable, scopes, config switches,
function-style aliases, keras.utils helpers, california_housing."""

import hashlib

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def test_variable_from_value_and_from_initializer():
    v = keras.Variable(np.arange(6.0).reshape(2, 3), name="v")
    assert isinstance(v, keras.Variable) and isinstance(v, torch.nn.Parameter)
    assert v.dtype == torch.float32 and v.name == "v" and v.trainable
    v.assign_add(np.ones((2, 3)))
    v.assign_sub(2 * np.ones((2, 3)))
    np.testing.assert_array_equal(v.numpy(), np.arange(6.0).reshape(2, 3) - 1)
    np.testing.assert_array_equal((v * 2).detach().numpy(), 2 * (np.arange(6.0).reshape(2, 3) - 1))
    w = keras.Variable("ones", shape=(3, 4), dtype="float64", trainable=False)
    assert tuple(w.shape) == (3, 4) and w.dtype == torch.float64 and not w.requires_grad
    i = keras.Variable(np.array([1, 2]), trainable=True)
    assert not i.requires_grad  # integer variables never take gradients
    with pytest.raises(ValueError, match="`shape` argument should be specified"):
        keras.Variable("zeros")
    with pytest.raises(ValueError, match="aggregation"):
        keras.Variable(1.0, aggregation="max")
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        keras.Variable(1.0, name="a/b")
    with pytest.raises(ValueError, match="shape"):
        v.assign(np.zeros((3, 3)))


def test_layer_weights_are_keras_variables_and_attributes_are_tracked():
    dense = layers.Dense(2)
    dense.build((None, 3))
    assert isinstance(dense.kernel, keras.Variable)

    class Scaled(layers.Layer):
        def __init__(self):
            super().__init__()
            self.scale = keras.Variable(2.0, name="scale")
            self.offset = self.add_variable((), "zeros", name="offset")

        def call(self, x):
            return x * self.scale + self.offset

    layer = Scaled()
    assert [w.name for w in layer.weights] == ["scale", "offset"]
    out = layer(torch.ones(2))
    out.sum().backward()
    assert float(layer.scale.grad) == 2.0


def test_save_and_load_own_variables():
    a, b = layers.Dense(2), layers.Dense(2)
    a.build((None, 3))
    b.build((None, 3))
    store = {}
    a.save_own_variables(store)
    assert sorted(store) == ["0", "1"]
    b.load_own_variables(store)
    np.testing.assert_array_equal(b.kernel.numpy(), a.kernel.numpy())
    with pytest.raises(ValueError, match="expected 2 variables, but received 1"):
        b.load_own_variables({"0": store["0"]})


def test_stateless_scope_collects_updates_and_restores():
    dense = layers.Dense(2, use_bias=False)
    dense.build((None, 3))
    before = dense.kernel.numpy()
    with keras.StatelessScope([(dense.kernel, np.ones((3, 2)))]) as scope:
        np.testing.assert_allclose(dense(np.ones((1, 3), "float32")).detach().numpy(), [[3.0, 3.0]])
        dense.kernel.assign(np.full((3, 2), 5.0))
    np.testing.assert_array_equal(dense.kernel.numpy(), before)
    np.testing.assert_array_equal(scope.get_current_value(dense.kernel).numpy(), np.full((3, 2), 5.0))
    with pytest.raises(ValueError, match="must be Variable instances"):
        keras.StatelessScope([(np.ones(2), np.ones(2))])


def test_name_scope_device_remat_and_version():
    from torchkeras.scopes import current_path

    with keras.name_scope("outer"):
        with keras.name_scope("inner"):
            assert current_path() == "outer/inner"
    assert current_path() == ""
    with keras.device("cpu:0"):
        assert torch.ones(1).device.type == "cpu"
    with pytest.raises(ValueError, match="device_name"):
        with keras.device("tpu:0"):
            pass
    f = keras.remat(lambda x: torch.sin(x) * 2)
    x = torch.ones(3, requires_grad=True)
    f(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(np.ones(3)), rtol=1e-6)
    with pytest.raises(ValueError, match="Invalid mode"):
        keras.RematScope(mode="sometimes")
    assert keras.version() == "3.15.1"


def test_config_switches():
    assert keras.config.backend() == "torch"
    with pytest.raises(ValueError, match="PyTorch only"):
        keras.config.set_backend("jax")
    keras.config.disable_interactive_logging()
    try:
        assert not keras.config.is_interactive_logging_enabled()
        assert not keras.utils.is_interactive_logging_enabled()
    finally:
        keras.config.enable_interactive_logging()
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.zeros((64, 2), "float32"), np.zeros((64, 1), "float32")
    keras.config.set_max_epochs(2)
    keras.config.set_max_steps_per_epoch(3)
    try:
        seen = []
        cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
        hist = model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[cb])
        assert len(hist.history["loss"]) == 2 and len(seen) == 6
    finally:
        keras.config.set_max_epochs(None)
        keras.config.set_max_steps_per_epoch(None)
    with pytest.raises(ValueError, match="positive integer"):
        keras.config.set_max_epochs(0)


def test_function_style_aliases():
    assert keras.initializers.glorot_uniform is keras.initializers.GlorotUniform
    assert keras.initializers.he_normal is keras.initializers.HeNormal
    assert keras.regularizers.l1_l2 is keras.regularizers.L1L2
    reg = keras.regularizers.l1_l2(l1=0.1, l2=0.2)
    w = torch.tensor([1.0, -2.0])
    assert float(reg(w)) == pytest.approx(0.1 * 3 + 0.2 * 5)
    assert keras.regularizers.orthogonal_regularizer is keras.regularizers.OrthogonalRegularizer


def test_utils_helpers():
    a, b = keras.Input((3,)), keras.Input((2,))
    h = layers.Dense(2)(a)
    out = layers.Concatenate()([h, b])
    sources = keras.utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert keras.utils.is_keras_tensor(out) and not keras.utils.is_keras_tensor(np.ones(2))
    assert keras.utils.standardize_dtype("float") == "float32"
    assert keras.utils.standardize_dtype(torch.int64) == "int64"
    assert keras.utils.standardize_dtype(np.float16) == "float16"
    with pytest.raises(ValueError, match="Invalid dtype"):
        keras.utils.standardize_dtype("float7")
    assert keras.utils.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert keras.utils.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    with pytest.raises(ValueError, match="Data is expected"):
        keras.utils.unpack_x_y_sample_weight((1, 2, 3, 4))
    cfg = keras.utils.Config(lr=0.1)
    cfg.momentum = 0.9
    assert cfg.as_dict() == {"lr": 0.1, "momentum": 0.9}
    cfg.freeze()
    with pytest.raises(ValueError, match="frozen"):
        cfg.lr = 1.0
    with pytest.raises(AttributeError, match="Did you mean 'lr'"):
        cfg.lrr  # noqa: B018
    with keras.utils.custom_object_scope({"MyThing": int}):
        assert keras.utils.get_registered_object("MyThing") is int


def test_california_housing_split_follows_keras(tmp_path, monkeypatch):
    from torchkeras.datasets import california_housing
    from torchkeras.utils import file_utils

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(file_utils.urllib.request, "urlopen",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("offline")))
    (tmp_path / "datasets").mkdir()
    path = tmp_path / "datasets" / "california_housing.npz"
    x = np.arange(1000 * 8, dtype="float32").reshape(1000, 8)
    y = np.arange(1000, dtype="float32")
    np.savez(path, x=x, y=y)
    monkeypatch.setattr(california_housing, "_HASH", hashlib.sha256(path.read_bytes()).hexdigest())
    (xt, yt), (xv, yv) = california_housing.load_data(version="small", test_split=0.25, seed=7)
    idx = np.arange(600)
    np.random.RandomState(7).shuffle(idx)
    np.testing.assert_array_equal(yt, y[idx[:450]])
    np.testing.assert_array_equal(xv, x[idx[450:]])
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="medium")


def test_model_quantize_reaches_the_filtered_sublayers():
    x = np.random.default_rng(0).standard_normal((3, 8)).astype("float32")
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4, name="a"), layers.Dense(2, name="b")])
    twin = keras.models.clone_model(model)
    twin.set_weights(model.get_weights())
    model.quantize("int8", filters="^a$")
    assert model.layers[0].quantization_mode == "int8" and model.layers[1].quantization_mode is None
    twin.layers[0].quantize("int8")
    np.testing.assert_array_equal(model.predict(x, verbose=0), twin.predict(x, verbose=0))
    with pytest.raises(ValueError, match="filters"):
        model.quantize("int8", filters=3)
