"""keras.utils.FeatureSpace against real Keras (TF backend): the same feature specs adapted on the same
data (dicts, unbatched and batched datasets) encode the same values, in `tf.data` pipelines too, and
`.keras` files saved by either library load in the other with the same outputs.

Imports torch first, then keras (TF backend) through conformance.reference.
"""

import numpy as np
import pytest
import torch  # noqa: F401, I001  (torch must be imported before tensorflow)

from conformance.reference import load

keras = load()

import tensorflow as tf  # noqa: E402

import torchkeras  # noqa: E402
from torchkeras.porting import tf as tfe  # noqa: E402

N = 53
_rng = np.random.default_rng(7)
DATA = {
    "price": [float(v) for v in np.round(_rng.normal(10.0, 4.0, N), 3)],
    "age": [float(v) for v in np.round(_rng.uniform(18, 90, N), 1)],
    "ratio": [float(v) for v in np.round(_rng.uniform(0, 1, N), 4)],
    "rooms": [int(v) for v in _rng.integers(1, 9, N)],
    "zip": [int(v) for v in _rng.integers(10000, 10040, N)],
    "city": [str(v) for v in _rng.choice(["Paris", "Lima", "Oslo", "Kyiv", "Pune", "Tromsø"], N)],
    # (No "" among the strings: Keras's own reload of a vocabulary.txt drops an empty token.)
    "tag": [str(v) for v in _rng.choice([f"t{i}" for i in range(15)], N)],
}
QUERY = {"price": [3.5, 10.0, 40.0], "age": [17.0, 50.5, 99.0], "ratio": [0.0, 0.5, 1.5], "rooms": [1, 4, 12],
         "zip": [10003, 10039, 99999], "city": ["Oslo", "Tromsø", "Rome"], "tag": ["t0", "t14", "zz"]}


def _features(lib, kind):
    fs = lib.utils.FeatureSpace
    if kind == "named":
        return {"price": "float", "age": "float_normalized", "ratio": "float_discretized", "rooms": "integer_categorical",
                "zip": "integer_hashed", "city": "string_categorical", "tag": "string_hashed"}
    if kind == "custom":
        return {"price": fs.float_rescaled(scale=0.5, offset=-1.0), "age": fs.float_normalized(),
                "ratio": fs.float_discretized(num_bins=4), "rooms": fs.integer_categorical(max_tokens=5, num_oov_indices=2),
                "zip": fs.integer_hashed(num_bins=16), "city": fs.string_categorical(max_tokens=4),
                "tag": fs.string_hashed(num_bins=8)}
    return {"price": fs.float(), "age": fs.float_normalized(), "ratio": fs.float_discretized(num_bins=5, output_mode="int"),
            "rooms": fs.integer_categorical(output_mode="int"), "zip": fs.integer_hashed(num_bins=64, output_mode="int"),
            "city": fs.string_categorical(output_mode="int", num_oov_indices=2),
            "tag": fs.string_hashed(num_bins=32, output_mode="int")}


def _crosses(lib, kind):
    if kind == "ints":
        fs = lib.utils.FeatureSpace
        return [fs.cross(("ratio", "city"), crossing_dim=16, output_mode="int"),
                fs.cross(("zip", "tag"), crossing_dim=64, output_mode="int")]
    return [("ratio", "city"), ("rooms", "tag"), ("zip", "rooms")]


CASES = [("named", "concat"), ("named", "dict"), ("custom", "concat"), ("custom", "dict"), ("ints", "dict")]


def _space(lib, kind, mode):
    return lib.utils.FeatureSpace(_features(lib, kind), crosses=_crosses(lib, kind), output_mode=mode,
                                  crossing_dim=24, hashing_dim=20, num_discretization_bins=6)


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _same(ours, ref):
    if isinstance(ref, dict):
        assert sorted(ours) == sorted(ref)
        for name in ref:
            _same(ours[name], ref[name])
        return
    ours, ref = _np(ours), _np(ref)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    assert ours.dtype == ref.dtype, (ours.dtype, ref.dtype)
    if ref.dtype.kind == "f":
        np.testing.assert_allclose(ours, ref, rtol=2e-6, atol=2e-6)  # float32 rounding
    else:
        np.testing.assert_array_equal(ours, ref)


def _adapt_sources(batch):
    if batch == "dict":
        return DATA, DATA
    ref, ours = tf.data.Dataset.from_tensor_slices(DATA), tfe.data.Dataset.from_tensor_slices(DATA)
    return (ref, ours) if batch is None else (ref.batch(batch), ours.batch(batch))


@pytest.mark.parametrize("kind,mode", CASES)
@pytest.mark.parametrize("batch", ["dict", None, 7])
def test_encoded_values_match_keras(kind, mode, batch):
    ref, ours = _space(keras, kind, mode), _space(torchkeras, kind, mode)
    ref_data, our_data = _adapt_sources(batch)
    ref.adapt(ref_data)
    ours.adapt(our_data)
    _same(ours(QUERY), ref(QUERY))
    _same(ours(DATA), ref(DATA))
    single = {k: v[1] for k, v in QUERY.items()}
    _same(ours(single), ref(single))
    arrays = {k: np.asarray(v, "float32") if isinstance(v[0], float) else np.asarray(v) for k, v in QUERY.items()}
    _same(ours(arrays), ref(arrays))


def test_adapt_on_real_tf_data_and_map_in_real_tf_data():
    ref, ours = _space(keras, "named", "concat"), _space(torchkeras, "named", "concat")
    ref.adapt(tf.data.Dataset.from_tensor_slices(DATA).batch(5))
    ours.adapt(tf.data.Dataset.from_tensor_slices(DATA).batch(5))
    labels = np.arange(N)
    for batched_first in (False, True):
        ds = tf.data.Dataset.from_tensor_slices((DATA, labels))
        ds = ds.batch(8) if batched_first else ds
        got = [(x, y) for x, y in ds.map(lambda x, y: (ours(x), y))]
        want = [(x, y) for x, y in ds.map(lambda x, y: (ref(x), y))]
        assert len(got) == len(want)
        for (gx, gy), (wx, wy) in zip(got, want):
            _same(gx.numpy(), wx.numpy())
            np.testing.assert_array_equal(gy.numpy(), wy.numpy())


def test_encoded_features_in_functional_models_match_keras():
    ref, ours = _space(keras, "custom", "concat"), _space(torchkeras, "custom", "concat")
    ref.adapt(DATA)
    ours.adapt(DATA)
    assert tuple(ours.get_encoded_features().shape) == tuple(ref.get_encoded_features().shape)
    assert sorted(ours.get_inputs()) == sorted(ref.get_inputs())
    ref_model = keras.Model(ref.get_inputs(), ref.get_encoded_features())
    our_model = torchkeras.Model(ours.get_inputs(), ours.get_encoded_features())
    batch = {k: np.asarray(v)[:, None] for k, v in QUERY.items()}
    ref_batch = {k: tf.constant(v)[:, None] for k, v in QUERY.items()}  # Keras's predict takes no numpy strings
    _same(our_model.predict(batch, verbose=0), ref_model.predict(ref_batch, verbose=0))


@pytest.mark.parametrize("kind,mode", [("named", "concat"), ("custom", "dict"), ("ints", "dict")])
def test_keras_file_loads_in_torchkeras(kind, mode, tmp_path):
    ref = _space(keras, kind, mode)
    ref.adapt(DATA)
    path = str(tmp_path / "keras_fs.keras")
    ref.save(path)
    loaded = torchkeras.models.load_model(path)
    assert isinstance(loaded, torchkeras.utils.FeatureSpace)
    _same(loaded(QUERY), ref(QUERY))


@pytest.mark.parametrize("kind,mode", [("named", "concat"), ("custom", "dict"), ("ints", "dict")])
def test_torchkeras_file_loads_in_keras(kind, mode, tmp_path):
    ours = _space(torchkeras, kind, mode)
    ours.adapt(DATA)
    path = str(tmp_path / "torchkeras_fs.keras")
    ours.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded).__name__ == "FeatureSpace"
    _same(ours(QUERY), loaded(QUERY))


def _bad_constructions(lib):
    fs = lib.utils.FeatureSpace
    yield lambda: fs({})
    yield lambda: fs({"a": "floaty"})
    yield lambda: fs({"a": "integer_categorical", "b": "integer_categorical"}, crosses=[("a", "b")], crossing_dim=None)
    yield lambda: fs({"a": "integer_categorical"}, crosses=[("a", "zz")])
    yield lambda: fs({"a": "float"}, output_mode="list")
    yield lambda: fs.integer_categorical(output_mode="multi_hot")
    yield lambda: fs.cross(("a", "b"), crossing_dim=4, output_mode="float")
    yield lambda: fs({"a": "integer_categorical"})({"a": [1]})  # not adapted
    yield lambda: fs({"a": "integer_categorical"}).get_encoded_features()
    yield lambda: fs({"a": "integer_categorical"}).adapt([1, 2, 3])
    yield lambda: fs({"a": fs.integer_hashed(4, output_mode="int")})({"a": [1]})  # ints cannot be concatenated
    yield lambda: fs({"a": fs.feature("float32", lib.layers.Rescaling(1.0), "one_hot")})({"a": [1.0]})


def test_refuses_what_keras_refuses():
    for ref_case, our_case in zip(_bad_constructions(keras), _bad_constructions(torchkeras)):
        with pytest.raises(ValueError) as ref_err:
            ref_case()
        with pytest.raises(ValueError) as our_err:
            our_case()
        # Keras's message starts every error; ours may add how to fix it.
        head = str(ref_err.value).split(".")[0].split(":")[0]
        assert head in str(our_err.value), (str(ref_err.value), str(our_err.value))
