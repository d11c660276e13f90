"""torchkeras.saving: round trips, configs, legacy Keras 2 HDF5 files, and faults (torch-only).

Expected values come from the model that was saved (a round trip must reproduce it exactly) or from
numpy formulas (Keras 2's hard_sigmoid on hand-written Keras 2 files); real-Keras files are
covered in conformance/tests/test_saving_roundtrip.py.
"""

import hashlib
import json
import os

import h5py
import numpy as np
import pytest

import torchkeras as keras
from torchkeras import saving
from torchkeras.saving import weights_h5


def _mlp(units=(5, 3)):
    layers = [keras.Input((4,))] + [keras.layers.Dense(u, activation="relu" if i == 0 else None)
                                    for i, u in enumerate(units)]
    return keras.Sequential(layers)


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(-1, 1, size=np.shape(w)).astype("float32") for w in model.get_weights()])


def _x(n=3, d=4):
    return np.random.default_rng(9).normal(size=(n, d)).astype("float32")


def _digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_model_round_trip(tmp_path, name):
    model = _mlp()
    _randomize(model)
    path = str(tmp_path / name)
    if name.endswith(".h5"):
        with pytest.warns(UserWarning, match="legacy"):
            saving.save_model(model, path)
    else:
        saving.save_model(model, path)
    loaded = saving.load_model(path)
    np.testing.assert_array_equal(loaded.predict(_x(), verbose=0), model.predict(_x(), verbose=0))
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Dense"]


@pytest.mark.parametrize("name", ["w.weights.h5", "w.h5"])
def test_weights_round_trip(tmp_path, name):
    model, other = _mlp(), _mlp()
    _randomize(model)
    saving.save_weights(model, str(tmp_path / name))
    saving.load_weights(other, str(tmp_path / name))
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weights_file_uses_structural_paths_not_layer_names(tmp_path):
    model = _mlp()
    path = str(tmp_path / "w.weights.h5")
    saving.save_weights(model, path)
    with h5py.File(path, "r") as f:
        assert f["layers/dense/vars/0"].shape == (4, 5)  # kernel in Keras layout (in, out)
        assert f["layers/dense_1/vars/1"].shape == (3,)
        assert f["vars"].attrs["name"] == model.name
    # a model built later in the same process has other layer names but loads the file
    later = _mlp()
    assert later.layers[0].name != model.layers[0].name
    saving.load_weights(later, path)


def test_compiled_model_keeps_optimizer_state(tmp_path):
    model = _mlp()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    x, y = _x(8), np.ones((8, 3), "float32")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    path = str(tmp_path / "c.keras")
    saving.save_model(model, path)
    loaded = saving.load_model(path)
    assert int(loaded.optimizer.iterations) == 4
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    uncompiled = saving.load_model(path, compile=False)
    assert not getattr(uncompiled, "compiled", False)


def test_zipped_false_writes_a_directory(tmp_path):
    model = _mlp()
    path = str(tmp_path / "saved_dir")
    saving.save_model(model, path, zipped=False)
    assert sorted(os.listdir(path)) == ["config.json", "metadata.json", "model.weights.h5"]
    np.testing.assert_array_equal(saving.load_model(path).predict(_x(), verbose=0), model.predict(_x(), verbose=0))


def test_bad_extensions(tmp_path):
    with pytest.raises(ValueError, match=r"\.keras"):
        saving.save_model(_mlp(), str(tmp_path / "m.pt"))
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        saving.save_weights(_mlp(), str(tmp_path / "w.ckpt"))


# --------------------------------------------------------------------------- config
def test_to_json_and_model_from_json_functional():
    a = keras.Input((4,))
    out = keras.layers.Add()([keras.layers.Dense(3)(a), keras.layers.Dense(3)(a)])
    model = keras.Model(a, out)
    text = model.to_json()
    rebuilt = saving.model_from_json(text)
    assert json.loads(rebuilt.to_json())["config"]["layers"][1]["class_name"] == "Dense"
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(_x(), verbose=0), model.predict(_x(), verbose=0), rtol=1e-6)


def test_clone_model_has_fresh_weights_and_same_architecture():
    model = _mlp()
    clone = saving.clone_model(model)
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert all(c is not o for c, o in zip(clone.layers, model.layers))
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(_x(), verbose=0), model.predict(_x(), verbose=0), rtol=1e-6)


def test_clone_functional_keeps_shared_layers_shared():
    a = keras.Input((4,))
    shared = keras.layers.Dense(4)
    model = keras.Model(a, shared(shared(a)))
    clone = saving.clone_model(model, clone_function=lambda layer: layer.__class__.from_config(layer.get_config()))
    assert len(clone.weights) == 2
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(_x(), verbose=0), model.predict(_x(), verbose=0), rtol=1e-6)


def test_registered_subclassed_model_round_trip(tmp_path):
    @saving.register_keras_serializable(package="tktest")
    class Tower(keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = keras.layers.Dense(units)
            self.blocks = [keras.layers.Dense(2), keras.layers.Dense(2)]

        def call(self, x):
            x = self.hidden(x)
            for block in self.blocks:
                x = block(x)
            return x

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = Tower(units=3)
    model(_x())
    path = str(tmp_path / "t.keras")
    saving.save_model(model, path)
    with h5py.File(str(tmp_path / "w.weights.h5"), "w") as f:
        weights_h5.write_weights(model, f)
        assert set(f["blocks"]) == {"dense", "dense_1"} and "hidden" in f
    loaded = saving.load_model(path)
    assert isinstance(loaded, Tower) and loaded.units == 3
    np.testing.assert_array_equal(loaded.predict(_x(), verbose=0), model.predict(_x(), verbose=0))
    assert saving.serialize_keras_object(model)["registered_name"] == "tktest>Tower"


def test_lambda_needs_safe_mode_off(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 3.0)])
    path = str(tmp_path / "l.keras")
    saving.save_model(model, path)
    with pytest.raises(ValueError, match="safe_mode"):
        saving.load_model(path)
    loaded = saving.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(_x(), verbose=0), _x() * 3.0, rtol=1e-6)


# --------------------------------------------------------------------------- legacy Keras 2 files
def _k2_dense(name, units, activation="linear", batch_input_shape=None):
    cfg = {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
           "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
           "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
           "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
           "bias_constraint": None}
    if batch_input_shape:
        cfg["batch_input_shape"] = batch_input_shape
    return {"class_name": "Dense", "config": cfg}


def _write_keras2(path, config, layers, training_config=None, full=True):
    """A file laid out exactly as tf.keras 2.x's `model.save('m.h5')` / `save_weights('w.h5')`."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.12.0"
        f.attrs["backend"] = b"tensorflow"
        if full:
            f.attrs["model_config"] = json.dumps(config).encode()
            if training_config:
                f.attrs["training_config"] = json.dumps(training_config).encode()
        group = f.create_group("model_weights") if full else f
        group.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        for name, weights in layers:
            g = group.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/{w}:0".encode() for w, _ in weights], dtype="S")
            for w, value in weights:
                g.create_dataset(f"{name}/{w}:0", data=value)


def _keras2_mlp_file(path, rng):
    k1, b1 = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=3).astype("float32")
    k2, b2 = rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=2).astype("float32")
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                 "sparse": False, "ragged": False, "name": "dense_input"}},
        _k2_dense("dense", 3, "hard_sigmoid", [None, 4]), _k2_dense("dense_1", 2)]},
        "keras_version": "2.12.0", "backend": "tensorflow"}
    training = {"loss": "mse", "metrics": [[{"class_name": "MeanMetricWrapper", "config": {
        "name": "mae", "dtype": "float32", "fn": "mean_absolute_error"}}]], "weighted_metrics": None,
        "loss_weights": None, "optimizer_config": {"class_name": "Adam", "config": {
            "name": "Adam", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
            "epsilon": 1e-07, "amsgrad": False, "is_legacy_optimizer": False}}}
    layers = [("dense", [("kernel", k1), ("bias", b1)]), ("dense_1", [("kernel", k2), ("bias", b2)])]
    _write_keras2(path, config, layers, training)
    x = _x()
    hidden = np.clip(0.2 * (x @ k1 + b1) + 0.5, 0.0, 1.0)  # Keras 2's hard_sigmoid
    return hidden @ k2 + b2


def test_keras2_full_model_h5_with_keras2_hard_sigmoid(tmp_path):
    path = str(tmp_path / "k2.h5")
    expected = _keras2_mlp_file(path, np.random.default_rng(1))
    model = saving.load_model(path)
    np.testing.assert_allclose(model.predict(_x(), verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert type(model.optimizer).__name__ == "Adam"
    model.fit(_x(), np.zeros((3, 2), "float32"), verbose=0)  # compiled from training_config


def test_keras2_functional_config():
    config = {"class_name": "Functional", "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False,
                    "name": "input_1"}},
        {**_k2_dense("dense", 3), "name": "dense", "inbound_nodes": [[["input_1", 0, 0, {}]]]},
        {**_k2_dense("dense_1", 3), "name": "dense_1", "inbound_nodes": [[["input_1", 0, 0, {}]]]},
        {"class_name": "Add", "name": "add", "config": {"name": "add", "trainable": True, "dtype": "float32"},
         "inbound_nodes": [[["dense", 0, 0, {}], ["dense_1", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["add", 0, 0]]},
        "keras_version": "2.12.0", "backend": "tensorflow"}
    model = saving.model_from_json(json.dumps(config))
    k1, b1, k2, b2 = [w for w in model.get_weights()]
    np.testing.assert_allclose(model.predict(_x(), verbose=0), _x() @ k1 + b1 + _x() @ k2 + b2, rtol=1e-5, atol=1e-6)


def test_keras2_weights_by_position_by_name_and_skip_mismatch(tmp_path):
    rng = np.random.default_rng(2)
    k1, b1 = rng.normal(size=(4, 5)).astype("float32"), rng.normal(size=5).astype("float32")
    path = str(tmp_path / "w.h5")
    _write_keras2(path, None, [("first", [("kernel", k1), ("bias", b1)]),
                               ("other", [("kernel", np.ones((5, 7), "float32")), ("bias", np.ones(7, "float32"))])],
                  full=False)
    model = _mlp()  # Dense(5), Dense(3): the second saved layer has the wrong shape
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"weight 'kernel' has shape \(5, 3\).*\(5, 7\)"):
        saving.load_weights(model, path)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # nothing loaded
    with pytest.warns(UserWarning, match="Skipping"):
        saving.load_weights(model, path, skip_mismatch=True)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], k1)
    np.testing.assert_array_equal(model.layers[1].get_weights()[0], before[2])
    named = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, name="first"),
                              keras.layers.Dense(3, name="unrelated")])
    saving.load_weights(named, path, by_name=True)
    np.testing.assert_array_equal(named.layers[0].get_weights()[1], b1)


# --------------------------------------------------------------------------- faults
@pytest.fixture
def saved(tmp_path):
    model = _mlp()
    _randomize(model)
    paths = {"keras": str(tmp_path / "m.keras"), "weights": str(tmp_path / "m.weights.h5")}
    saving.save_model(model, paths["keras"])
    saving.save_weights(model, paths["weights"])
    return model, paths


@pytest.mark.parametrize("kind", ["keras", "weights"])
@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_files_give_clear_errors_and_stay_untouched(saved, kind, damage):
    _, paths = saved
    path = paths[kind]
    data = open(path, "rb").read()
    data = data[: len(data) // 2] if damage == "truncate" else data[:16] + bytes(64) + data[80:]
    with open(path, "wb") as f:
        f.write(data)
    digest = _digest(path)
    target = _mlp()
    before = target.get_weights()
    with pytest.raises(ValueError, match="truncated or corrupted|is corrupted|not a valid|does not match"):
        if kind == "keras":
            saving.load_model(path)
        else:
            saving.load_weights(target, path)
    assert _digest(path) == digest
    for a, b in zip(target.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_different_architecture_names_layer_and_variable(saved):
    _, paths = saved
    wider = _mlp(units=(6, 3))
    with pytest.raises(ValueError, match=r"Dense '.*' .*variable 'kernel' has shape \(4, 6\).*`layers/dense/vars/0`"):
        saving.load_weights(wider, paths["weights"])
    deeper = _mlp(units=(5, 3, 2))
    with pytest.raises(ValueError, match=r"`layers/dense_2`.*expects 2 variables \['kernel', 'bias'\].*holds 0"):
        saving.load_weights(deeper, paths["weights"])
    shallower = _mlp(units=(5,))
    with pytest.raises(ValueError, match=r"weights at `layers/dense_1` that match no layer"):
        saving.load_weights(shallower, paths["weights"])


def test_missing_variable_in_weights_file(saved, tmp_path):
    _, paths = saved
    path = str(tmp_path / "cut.weights.h5")
    with h5py.File(paths["weights"], "r") as src, h5py.File(path, "w") as dst:
        for key in src:
            src.copy(key, dst)
        del dst["layers/dense_1/vars/1"]
    with pytest.raises(ValueError, match=r"expects 2 variables \['kernel', 'bias'\], but the file holds 1"):
        saving.load_weights(_mlp(), path)


def test_interrupted_save_keeps_previous_file(saved, monkeypatch):
    model, paths = saved
    digests = {k: _digest(p) for k, p in paths.items()}

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(weights_h5, "write_weights", boom)
    for kind, path in paths.items():
        with pytest.raises(RuntimeError, match="disk full"):
            (saving.save_model if kind == "keras" else saving.save_weights)(model, path)
        assert _digest(path) == digests[kind]
    assert sorted(os.listdir(os.path.dirname(paths["keras"]))) == ["m.keras", "m.weights.h5"]


def test_missing_file():
    with pytest.raises(ValueError, match="File not found"):
        saving.load_model("/nonexistent/m.keras")
