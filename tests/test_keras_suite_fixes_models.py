"""Behaviours Keras's own model/saving/trainer tests expect: string arrays through fit/evaluate/predict,
KerasFileEditor, several losses per output, functional subclasses built from super().__init__."""

import h5py
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.trainers import data_adapter as da

TEXT = np.array(["a b", "b c", "c a", "a"] * 8)
LABELS = (np.arange(32) % 2).astype("float32")


def _lookup_model(vocab=("a b", "b c", "c a")):
    inp = keras.Input(shape=(), dtype="string")
    out = keras.layers.Dense(1, activation="sigmoid")(
        keras.layers.StringLookup(vocabulary=list(vocab), output_mode="one_hot")(inp))
    model = keras.Model(inp, out)
    model.compile("sgd", "binary_crossentropy")
    return model


# ------------------------------------------------------------------ string arrays in the data path
@pytest.mark.parametrize("make", [lambda a: a, lambda a: a.astype(object), lambda a: np.char.encode(a)])
def test_to_torch_keeps_text_arrays_as_numpy(make):
    arr = make(TEXT)
    out = da.to_torch(arr)
    assert isinstance(out, np.ndarray) and out is arr


def test_to_torch_numeric_and_object_numbers_unchanged():
    assert isinstance(da.to_torch(np.zeros((2, 3))), torch.Tensor)
    assert da.to_torch(np.zeros((2, 3))).dtype == torch.float32
    with pytest.raises(TypeError, match="Python objects"):
        da.to_torch(np.array([1, None], dtype=object))


@pytest.mark.parametrize("shuffle", [False, True, "batch"])
def test_fit_evaluate_predict_with_string_inputs(shuffle):
    model = _lookup_model()
    hist = model.fit(TEXT, LABELS, batch_size=8, epochs=2, shuffle=shuffle, verbose=0)
    assert len(hist.history["loss"]) == 2 and np.isfinite(hist.history["loss"]).all()
    assert np.isfinite(model.evaluate(TEXT, LABELS, verbose=0))
    assert model.predict(TEXT, batch_size=8, verbose=0).shape == (32, 1)
    assert model.predict(TEXT[:3], verbose=0).shape == (3, 1)


def test_string_batches_keep_rows_aligned_with_labels():
    # One-hot lookup of each string row through an identity-like head: the prediction for a row
    # depends only on its string, so shuffled batches must keep strings and labels paired.
    vocab = ["x", "y"]
    inp = keras.Input(shape=(), dtype="string")
    out = keras.layers.StringLookup(vocabulary=vocab, output_mode="one_hot")(inp)
    model = keras.Model(inp, out)
    model.compile("sgd", "mse")
    x = np.array(["x", "y"] * 10)
    y = np.stack([(x == "[UNK]"), (x == "x"), (x == "y")], axis=1).astype("float32")
    assert model.evaluate(x, y, batch_size=3, verbose=0) == pytest.approx(0.0)
    model.fit(x, y, batch_size=3, epochs=1, shuffle=True, verbose=0)  # no weights, loss stays 0
    np.testing.assert_array_equal(model.predict(x, batch_size=3, verbose=0), y)


def test_string_inputs_with_validation_split_and_dict_inputs():
    model = _lookup_model()
    hist = model.fit(TEXT, LABELS, batch_size=8, epochs=1, validation_split=0.25, verbose=0)
    assert "val_loss" in hist.history
    text_in = keras.Input(shape=(), dtype="string", name="text")
    num_in = keras.Input(shape=(2,), name="num")
    feat = keras.layers.StringLookup(vocabulary=["a b", "b c"], output_mode="one_hot")(text_in)
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([feat, num_in]))
    model = keras.Model({"text": text_in, "num": num_in}, out)
    model.compile("sgd", "mse")
    x = {"text": TEXT, "num": np.ones((32, 2), "float32")}
    model.fit(x, LABELS, batch_size=5, shuffle=True, epochs=1, verbose=0)
    assert model.predict(x, verbose=0).shape == (32, 1)
    assert np.isfinite(model.train_on_batch(x, LABELS))


# ------------------------------------------------------------------ KerasFileEditor
def _source():
    inp = keras.Input((2,))
    out = keras.layers.Dense(3, name="out")(keras.layers.Dense(3, name="d")(inp))
    return keras.Model(inp, out)


def _target():
    inp = keras.Input((2,))
    x = keras.layers.Dense(3)(keras.layers.Dense(3)(inp))
    return keras.Model(inp, keras.layers.Dense(3)(x))


def test_file_editor_compare_edit_and_resave(tmp_path):
    model = _source()
    path = str(tmp_path / "m.keras")
    model.save(path)
    editor = keras.saving.KerasFileEditor(path)
    assert set(editor.weights_dict["layers"]) == {"dense", "dense_1"}
    np.testing.assert_array_equal(editor.weights_dict["layers"]["dense"]["0"], model.layers[1].kernel.numpy())
    assert editor.compare(model) == {"status": "success", "error_count": 0, "match_count": 4}
    target = _target()
    assert editor.compare(target)["error_count"] == 1  # layers/dense_2 missing from the file
    kernel, bias = np.full((3, 3), 0.5, "float32"), np.arange(3, dtype="float32")
    editor.add_object("layers/dense_2", weights={"0": kernel})
    editor.add_weights("dense_2", {"1": bias})
    assert editor.compare(target)["status"] == "success"
    out = str(tmp_path / "edited.weights.h5")
    editor.save(out)
    target.load_weights(out)
    np.testing.assert_array_equal(target.layers[3].kernel.numpy(), kernel)
    np.testing.assert_array_equal(target.layers[3].bias.numpy(), bias)
    editor.delete_weight("dense_2", "1")
    assert editor.compare(target)["error_count"] == 1
    editor.rename_object("layers/dense_2", "dense_9")
    assert "dense_9" in editor.weights_dict["layers"]
    editor.delete_object("dense_9")
    assert editor.compare(model)["status"] == "success"


def test_file_editor_errors(tmp_path):
    model = _source()
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    editor = keras.saving.KerasFileEditor(path)
    with pytest.raises(ValueError, match="does not appear"):
        editor.delete_object("nope")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_weights("dense", [1])
    with pytest.raises(ValueError, match="weights.h5"):
        editor.save(str(tmp_path / "x.h5"))
    with pytest.raises(ValueError, match="Invalid filename"):
        keras.saving.KerasFileEditor(str(tmp_path / "x.txt"))
    link = str(tmp_path / "link.weights.h5")
    with h5py.File(link, "w") as f:
        f.create_group("real").create_dataset("v", data=np.zeros(1))
        f["layers"] = h5py.SoftLink("/real")
    with pytest.raises(ValueError, match="SoftLink"):
        keras.saving.KerasFileEditor(link)


# ------------------------------------------------------------------ compile: losses
def _two_outputs(dict_outputs=False):
    inp = keras.Input((3,))
    a = keras.layers.Dense(1, name="output_a")(inp)
    b = keras.layers.Dense(1, name="output_b", activation="sigmoid")(inp)
    return keras.Model(inp, {"output_a": a, "output_b": b} if dict_outputs else [a, b])


def test_list_of_losses_per_output_are_summed():
    x = np.random.RandomState(0).rand(8, 3).astype("float32")
    y1, y2 = np.random.RandomState(1).rand(8, 1), np.random.RandomState(2).randint(0, 2, (8, 1))
    model = _two_outputs()
    model.compile("sgd", loss=["mean_squared_error", ["mean_squared_error", "binary_crossentropy"]])
    logs = model.evaluate(x, (y1, y2), return_dict=True, verbose=0)
    pa, pb = model.predict(x, verbose=0)
    mse_a = np.mean((pa - y1) ** 2)
    pbc = np.clip(pb, 1e-7, 1 - 1e-7)
    mse_b = np.mean((pb - y2) ** 2)
    bce_b = np.mean(-(y2 * np.log(pbc) + (1 - y2) * np.log(1 - pbc)))
    assert logs["loss"] == pytest.approx(mse_a + mse_b + bce_b, rel=1e-4)
    assert sorted(logs) == ["loss", "output_a_loss", "output_b_loss"]


def test_single_output_list_and_dict_list_losses():
    inp = keras.Input((3,))
    model = keras.Model(inp, keras.layers.Dense(1, name="output_a")(inp))
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    for loss in (["mse"], {"output_a": ["mse"]}, ["mse", "mae"]):
        model.compile("sgd", loss=loss)
        p = model.predict(x, verbose=0)
        expect = np.mean(p ** 2) + (np.mean(np.abs(p)) if len(loss) == 2 else 0)
        assert model.evaluate(x, y, verbose=0, return_dict=True)["loss"] == pytest.approx(expect, rel=1e-5)


def test_dict_outputs_unknown_loss_key_and_metric_key():
    model = _two_outputs(dict_outputs=True)
    x, y = np.ones((4, 3)), {"output_a": np.ones((4, 1)), "output_b": np.ones((4, 1))}
    model.compile("sgd", loss={"output_a": "mse", "output_c": "mse"})
    with pytest.raises(KeyError, match="can't be found in either the model's output"):
        model.fit(x, y, verbose=0)
    model.compile("sgd", loss="mse", metrics={"output_c": "mae"})
    with pytest.raises(ValueError, match="Invalid `metrics`"):
        model.fit(x, y, verbose=0)


# ------------------------------------------------------------------ models
def test_subclass_built_by_super_init_is_functional_and_revives_with_params():
    class Custom(keras.Model):
        def __init__(self, *args, param=1, **kwargs):
            super().__init__(*args, **kwargs)
            self.param = param

        def get_config(self):
            return {**super().get_config(), "param": self.param}

    class Built(keras.Model):
        def __init__(self):
            inp = keras.Input((3,))
            super().__init__(inputs=inp, outputs=keras.layers.Dense(2)(inp))

    inp = keras.Input((3,))
    model = Custom(inputs=inp, outputs=keras.layers.Dense(5)(inp), param=3)
    revived = Custom.from_config(model.get_config())
    assert isinstance(revived, Custom) and revived.param == 3
    assert revived(np.ones((1, 3), "float32")).shape == (1, 5)
    built = Built()
    assert isinstance(built, keras.Model) and len(built.layers) == 2
    assert built.predict(np.ones((2, 3)), verbose=0).shape == (2, 2)


def test_model_layers_is_reserved():
    with pytest.raises(AttributeError, match="`Model.layers` attribute is reserved"):
        keras.Model().layers = [keras.layers.Dense(4)]
