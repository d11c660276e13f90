"""keras.utils.FeatureSpace: encoded values against numpy, FarmHash (what TensorFlow hashes with) and
the layers' documented rules (vocabulary order, OOV slot 0, one-hot); never against our own output."""

import json
import zipfile

import farmhash
import h5py
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.porting import tf as tfe
from torchkeras.utils import FeatureSpace

F = [0.5, 1.5, 2.0, 4.0, 7.0, 3.0]
I = [7, 7, 7, 3, 3, 5]                      # IntegerLookup vocabulary by count: [7, 3, 5]
S = ["b", "a", "b", "c", "b", "a"]          # StringLookup vocabulary by count: ["b", "a", "c"]
DATA = {"f": F, "n": F, "r": F, "i": I, "s": S, "ih": I, "sh": S}


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def _one_hot(ids, depth):
    return np.eye(depth, dtype="float32")[np.asarray(ids)]


def _bucket(values, bins):
    return np.array([farmhash.fingerprint64(str(v)) % bins for v in values])


def _shift_mix(v):
    return v ^ (v >> 47)


def _cross(columns, bins):
    """tf.sparse.cross_hashed: FingerprintCat64 chained from 0xDECAFCAFFE over each value (a string as
    its Fingerprint64, an integer as itself)."""
    mask, mul = (1 << 64) - 1, 0xC6A4A7935BD1E995
    out = []
    for row in zip(*columns):
        h = 0xDECAFCAFFE
        for v in row:
            fp = farmhash.fingerprint64(v) if isinstance(v, str) else int(v) & mask
            r = h ^ mul
            r ^= (_shift_mix((fp * mul) & mask) * mul) & mask
            r = (r * mul) & mask
            r = (_shift_mix(r) * mul) & mask
            h = _shift_mix(r)
        out.append(h % bins)
    return np.array(out)


def _space(**kwargs):
    cls = FeatureSpace
    features = {"f": "float", "n": "float_normalized", "r": cls.float_rescaled(scale=2.0, offset=1.0),
                "i": "integer_categorical", "s": "string_categorical",
                "ih": cls.integer_hashed(num_bins=8), "sh": cls.string_hashed(num_bins=8)}
    return FeatureSpace(features, **kwargs)


def _expected_parts(data):
    f = np.asarray(data["f"], "float32")
    mean, std = np.mean(F), np.std(F)
    return {"f": f[:, None], "n": ((f - mean) / std)[:, None], "r": (f * 2 + 1)[:, None],
            "i": _one_hot([{7: 1, 3: 2, 5: 3}.get(v, 0) for v in data["i"]], 4),
            "s": _one_hot([{"b": 1, "a": 2, "c": 3}.get(v, 0) for v in data["s"]], 4),
            "ih": _one_hot(_bucket(data["ih"], 8), 8), "sh": _one_hot(_bucket(data["sh"], 8), 8)}


def test_cross_formula_matches_keras_documented_values():
    np.testing.assert_array_equal(_cross([["A", "B", "A", "B", "A"], [101, 101, 101, 102, 102]], 5), [1, 4, 1, 1, 3])


def test_concat_values_match_independent_encodings():
    fs = _space()
    fs.adapt(DATA)
    query = {"f": [1.0, 9.0], "n": [1.0, 9.0], "r": [1.0, 9.0], "i": [3, 42], "s": ["c", "zz"], "ih": [3, 42],
             "sh": ["c", "zz"]}
    out = fs(query)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32 and tuple(out.shape) == (2, 27)
    parts = _expected_parts(query)
    expected = np.concatenate([parts[k] for k in sorted(parts)], axis=-1)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5, atol=1e-6)


def test_dict_mode_and_single_sample_shapes():
    fs = _space(output_mode="dict", crosses=[("i", "s")], crossing_dim=16)
    fs.adapt(DATA)
    out = fs(DATA)
    assert sorted(out) == sorted(list(DATA) + ["i_X_s"])
    for name, value in _expected_parts(DATA).items():
        np.testing.assert_allclose(_np(out[name]), value, rtol=1e-5, atol=1e-6)
    # A cross hashes the preprocessed values: here the two lookups' ids.
    ids_i, ids_s = [{7: 1, 3: 2, 5: 3}[v] for v in I], [{"b": 1, "a": 2, "c": 3}[v] for v in S]
    np.testing.assert_array_equal(_np(out["i_X_s"]), _one_hot(_cross([ids_i, ids_s], 16), 16))
    one = fs({k: v[0] for k, v in DATA.items()})
    assert tuple(one["i"].shape) == (4,) and tuple(one["f"].shape) == (1,) and tuple(one["i_X_s"].shape) == (16,)
    concat = _space(crosses=[("i", "s")], crossing_dim=16)
    concat.adapt(DATA)
    assert tuple(concat({k: v[0] for k, v in DATA.items()}).shape) == (27 + 16,)
    assert tuple(concat({k: torch.as_tensor(np.asarray(v))[0] for k, v in DATA.items() if k not in ("s", "sh")}
                        | {"s": "b", "sh": "b"}).shape) == (43,)


def test_int_output_modes_return_ids():
    cls = FeatureSpace
    fs = FeatureSpace({"i": cls.integer_categorical(output_mode="int"), "s": cls.string_categorical(output_mode="int"),
                       "h": cls.string_hashed(num_bins=32, output_mode="int"),
                       "d": cls.float_discretized(num_bins=3, output_mode="int")},
                      crosses=[cls.cross(("i", "s"), crossing_dim=32, output_mode="int")], output_mode="dict")
    fs.adapt({"i": I, "s": S, "h": S, "d": F})
    out = fs({"i": [7, 5, 1], "s": ["a", "c", "q"], "h": ["a", "c", "q"], "d": [0.0, 2.5, 100.0]})
    np.testing.assert_array_equal(_np(out["i"]), [[1], [3], [0]])
    np.testing.assert_array_equal(_np(out["s"]), [[2], [3], [0]])
    np.testing.assert_array_equal(_np(out["h"])[:, 0], _bucket(["a", "c", "q"], 32))
    np.testing.assert_array_equal(_np(out["i_X_s"])[:, 0], _cross([[1, 3, 0], [2, 3, 0]], 32))
    bounds = fs.preprocessors["d"].bin_boundaries
    assert len(bounds) == 2
    np.testing.assert_array_equal(_np(out["d"])[:, 0], np.digitize([0.0, 2.5, 100.0], bounds))
    assert all(not torch.is_floating_point(v) for v in out.values())
    single = fs({"i": 7, "s": "a", "h": "a", "d": 0.0})
    assert tuple(single["i"].shape) == (1,)


def test_adapt_sources_agree_and_normalization_uses_all_batches():
    values = np.linspace(-3.0, 11.0, 77).astype("float32")
    words = [f"w{int(v) % 5}" for v in values]
    data = {"x": values, "w": words}
    sources = [data, tfe.data.Dataset.from_tensor_slices(data), tfe.data.Dataset.from_tensor_slices(data).batch(10),
               tfe.data.Dataset.from_tensor_slices((data, np.zeros(77))).batch(7)]
    outs = []
    for source in sources:
        fs = FeatureSpace({"x": "float_normalized", "w": "string_categorical"})
        fs.adapt(source)
        norm = fs.preprocessors["x"]
        np.testing.assert_allclose(_np(norm.mean).ravel(), [values.mean()], rtol=1e-5)
        np.testing.assert_allclose(_np(norm.variance).ravel(), [values.var()], rtol=1e-5)
        assert fs.preprocessors["w"].vocabulary_size() == 6
        outs.append(_np(fs(data)))
    for out in outs[1:]:
        np.testing.assert_allclose(out, outs[0], rtol=1e-5, atol=1e-6)


def test_tf_data_map_before_and_after_batch():
    fs = _space()
    fs.adapt(tfe.data.Dataset.from_tensor_slices(DATA))
    expected = np.concatenate([v for _, v in sorted(_expected_parts(DATA).items())], axis=-1)
    labels = np.arange(6)
    ds = tfe.data.Dataset.from_tensor_slices((DATA, labels)).map(lambda x, y: (fs(x), y)).batch(4)
    got = np.concatenate([_np(x) for x, _ in ds])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    ds = tfe.data.Dataset.from_tensor_slices(DATA).batch(4).map(fs)
    np.testing.assert_allclose(np.concatenate([_np(x) for x in ds]), expected, rtol=1e-5, atol=1e-6)


def test_functional_models_from_inputs_and_encoded_features():
    fs = _space()
    fs.adapt(DATA)
    inputs, encoded = fs.get_inputs(), fs.get_encoded_features()
    assert sorted(inputs) == sorted(DATA) and inputs["s"].dtype == "string" and tuple(inputs["f"].shape) == (None, 1)
    assert tuple(encoded.shape) == (None, 27)
    hidden = keras.layers.Dense(4, activation="relu")(encoded)
    prediction = keras.layers.Dense(1, activation="sigmoid")(hidden)
    training_model = keras.Model(inputs=encoded, outputs=prediction)
    training_model.compile("adam", "binary_crossentropy")
    labels = np.array([0, 1, 0, 1, 1, 0], "float32")
    train = tfe.data.Dataset.from_tensor_slices((DATA, labels)).batch(3).map(lambda x, y: (fs(x), y))
    history = training_model.fit(train, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    inference_model = keras.Model(inputs=inputs, outputs=prediction)
    batch = {k: np.asarray(v)[:, None] for k, v in DATA.items()}
    np.testing.assert_allclose(_np(inference_model.predict(batch, verbose=0)),
                               _np(training_model.predict(_np(fs(DATA)), verbose=0)), rtol=1e-5, atol=1e-6)


def test_save_and_load_keep_outputs_and_keras_layout(tmp_path):
    fs = _space(crosses=[("i", "s")])
    fs.adapt(DATA)
    ref = _np(fs(DATA))
    path = tmp_path / "fs.keras"
    fs.save(path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        config = json.loads(z.read("config.json"))
        with h5py.File(z.open("model.weights.h5"), "r") as h5:
            assert h5["preprocessors/normalization/vars/0"].shape == (1,)  # Keras's structural path
            assert "one_hot_encoders/category_encoding_3/vars" in h5
    assert "assets/preprocessors/integer_lookup/vocabulary.txt" in names
    assert "assets/preprocessors/string_lookup/vocabulary.txt" in names
    assert config["module"] == "keras.utils" and config["class_name"] == "FeatureSpace"
    feature = config["config"]["features"]["f"]
    assert (feature["module"], feature["class_name"], feature["registered_name"]) == (
        "keras.src.layers.preprocessing.feature_space", "Feature", "Feature")
    assert feature["config"]["preprocessor"]["class_name"] == "TFDIdentity"
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, FeatureSpace)
    np.testing.assert_allclose(_np(loaded(DATA)), ref, rtol=1e-6)
    loaded.save(tmp_path / "again.keras")  # idempotent re-save of a loaded FeatureSpace
    np.testing.assert_allclose(_np(keras.saving.load_model(tmp_path / "again.keras")(DATA)), ref, rtol=1e-6)
    model = keras.Model(loaded.get_inputs(), loaded.get_encoded_features())
    np.testing.assert_allclose(_np(model.predict({k: np.asarray(v)[:, None] for k, v in DATA.items()}, verbose=0)),
                               ref, rtol=1e-6)


def test_config_round_trip_and_dotted_names(tmp_path):
    fs = FeatureSpace({"a.b": "float_normalized", "values": "integer_categorical", "c": "integer_hashed"},
                      crosses=[("c", "values")],
                      crossing_dim=4, hashing_dim=5, num_discretization_bins=6, output_mode="dict")
    config = fs.get_config()
    assert sorted(config) == ["crosses", "crossing_dim", "features", "hashing_dim", "num_discretization_bins",
                              "output_mode"]
    json.dumps(config)
    clone = FeatureSpace.from_config(config)
    assert clone.crosses[0].feature_names == ("c", "values") and clone.output_mode == "dict"
    assert clone.preprocessors["c"].num_bins == 5
    with pytest.raises(ValueError, match="adapt"):
        clone({"a.b": [1.0], "values": [1], "c": [1]})
    fs.adapt({"a.b": [1.0, 3.0], "values": [1, 2], "c": [1, 2]})
    assert sorted(fs.preprocessors) == ["a.b", "c", "values"] and fs.crossers.get("c_X_values") is not None
    fs.save(tmp_path / "dots.keras")
    out = keras.models.load_model(tmp_path / "dots.keras")({"a.b": [3.0], "values": [2], "c": [2]})
    np.testing.assert_array_equal(_np(out["c_X_values"]), _one_hot(_cross([_bucket([2], 5), [1]], 4), 4))
    np.testing.assert_allclose(_np(out["a.b"]), [[1.0]], rtol=1e-5)
    np.testing.assert_array_equal(_np(out["values"]), [[0, 1, 0]])  # ties: larger value first -> [2, 1]


def test_presets_need_no_adapt_and_custom_preprocessors():
    cls = FeatureSpace
    norm = keras.layers.Normalization(mean=12.0, variance=4.0)
    fs = FeatureSpace({"x": cls.feature(dtype="float32", preprocessor=norm, output_mode="float"),
                       "k": "integer_hashed"}, output_mode="dict")
    out = fs({"x": [10.0, 16.0], "k": [3, 4]})
    np.testing.assert_allclose(_np(out["x"]), [[-1.0], [2.0]], rtol=1e-6)
    np.testing.assert_array_equal(_np(out["k"]), _one_hot(_bucket([3, 4], 32), 32))
    text = cls.feature(dtype="string", preprocessor=keras.layers.TextVectorization(output_mode="multi_hot"),
                       output_mode="float")
    fs = FeatureSpace({"t": text})
    fs.adapt({"t": ["a b", "b c", "b"]})
    np.testing.assert_array_equal(_np(fs({"t": ["c a", "zz"]})), [[0, 0, 1, 1], [1, 0, 0, 0]])  # [UNK] b a c


def test_errors():
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="Invalid feature type"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="`crossing_dim`"):
        FeatureSpace({"a": "integer_categorical", "b": "integer_categorical"}, crosses=[("a", "b")], crossing_dim=None)
    with pytest.raises(ValueError, match="should be present in"):
        FeatureSpace({"a": "integer_categorical"}, crosses=[("a", "zz")])
    with pytest.raises(ValueError, match="for argument `output_mode`"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match="for argument `output_mode`"):
        FeatureSpace.integer_categorical(output_mode="multi_hot")
    fs = FeatureSpace({"a": "integer_categorical"})
    with pytest.raises(ValueError, match="You need to call `.adapt"):
        fs({"a": [1]})
    with pytest.raises(ValueError, match="You need to call `.adapt"):
        fs.get_encoded_features()
    with pytest.raises(ValueError, match="can only be called on a tf.data.Dataset or a dict"):
        fs.adapt([1, 2, 3])
    fs.adapt({"a": [1, 2]})
    with pytest.raises(ValueError, match="only be called with a dict"):
        fs([1, 2])
    with pytest.raises(ValueError, match="Missing: \\['a'\\]"):
        fs({"b": [1]})
    with pytest.raises(ValueError, match="has not been encoded"):
        FeatureSpace({"a": FeatureSpace.integer_hashed(4, output_mode="int")})({"a": [1]})
    with pytest.raises(ValueError, match="should return an integer dtype"):
        FeatureSpace({"a": FeatureSpace.feature("float32", keras.layers.Rescaling(1.0), "one_hot")})({"a": [1.0]})
