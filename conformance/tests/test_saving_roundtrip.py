"""Real Keras files both ways: a model saved by tf.keras 3.15 loads in torchkeras with the same
predictions, and a model saved by torchkeras loads in tf.keras with the same predictions.

Each family is built by one builder that runs unchanged on either library (`K` is `keras` or
`torchkeras`), so both sides hold the same architecture. Weights are randomized on the saving side
(biases and BatchNorm statistics included, so nothing passes by being zero), the file is written,
and the other side loads it: `.keras` through `load_model`, `.weights.h5` through `load_weights`
into its own build, legacy `.h5` through `load_model`. Tolerance: |ours - keras| <= 1e-5 + 1e-4 *
|keras| (float32 through up to a few stacked layers and recurrences).

Imports torch first, then keras (TF backend) through conformance.reference.
"""

import numpy as np
import pytest
import torch  # noqa: I001  (torch must be imported before tensorflow)

from conformance.reference import load

keras = load()

import torchkeras  # noqa: E402
from torchkeras import saving  # noqa: E402

ATOL, RTOL = 1e-5, 1e-4


def _close(ours, ref):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=ATOL, rtol=RTOL)


def _need(*names):
    missing = [n for n in names if not hasattr(torchkeras.layers, n)]
    if missing:
        pytest.skip(f"torchkeras has no {missing} yet (layer family still being written)")


# --------------------------------------------------------------------------- model builders
def dense(K):
    return K.Sequential([K.Input((6,)), K.layers.Dense(5, activation="relu"), K.layers.Dense(3)]), (4, 6)


def dense_functional(K):
    a, b = K.Input((6,), name="a"), K.Input((4,), name="b")
    x = K.layers.Dense(5, activation="tanh")(a)
    y = K.layers.Dense(5)(b)
    z = K.layers.Concatenate()([K.layers.Add()([x, y]), y])
    inner = K.Sequential([K.Input((10,)), K.layers.Dense(4), K.layers.Dense(2)])
    return K.Model([a, b], inner(z)), [(3, 6), (3, 4)]


def conv(K):
    return K.Sequential([K.Input((9, 9, 3)), K.layers.Conv2D(4, 3, padding="same", activation="relu"),
                         K.layers.MaxPooling2D(), K.layers.SeparableConv2D(3, 2),
                         K.layers.DepthwiseConv2D(2), K.layers.Conv2DTranspose(2, 2, strides=2),
                         K.layers.Flatten(), K.layers.Dense(2)]), (2, 9, 9, 3)


def conv1d(K):
    return K.Sequential([K.Input((12, 3)), K.layers.Conv1D(4, 3), K.layers.GlobalAveragePooling1D(),
                         K.layers.Dense(2)]), (2, 12, 3)


def normalization(K):
    return K.Sequential([K.Input((6,)), K.layers.Dense(8), K.layers.BatchNormalization(),
                         K.layers.LayerNormalization(), K.layers.Dense(2)]), (4, 6)


def lstm(K):
    return K.Sequential([K.Input((7, 3)), K.layers.LSTM(5, return_sequences=True), K.layers.LSTM(4),
                         K.layers.Dense(2)]), (2, 7, 3)


def gru(K):
    return K.Sequential([K.Input((7, 3)), K.layers.GRU(5, return_sequences=True),
                         K.layers.SimpleRNN(3), K.layers.Dense(2)]), (2, 7, 3)


def bidirectional(K):
    return K.Sequential([K.Input((6, 3)), K.layers.Bidirectional(K.layers.GRU(4, return_sequences=True)),
                         K.layers.TimeDistributed(K.layers.Dense(2))]), (2, 6, 3)


def embedding(K):
    return K.Sequential([K.Input((8,), dtype="int32"), K.layers.Embedding(20, 4), K.layers.LSTM(3),
                         K.layers.Dense(2)]), ("int", 2, 8)


FAMILIES = {
    "dense": (dense, ["Dense"]),
    "dense_functional": (dense_functional, ["Dense", "Concatenate", "Add"]),
    "conv": (conv, ["Conv2D", "MaxPooling2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose"]),
    "conv1d": (conv1d, ["Conv1D", "GlobalAveragePooling1D"]),
    "normalization": (normalization, ["BatchNormalization", "LayerNormalization"]),
    "lstm": (lstm, ["LSTM"]),
    "gru": (gru, ["GRU", "SimpleRNN"]),
    "bidirectional": (bidirectional, ["Bidirectional", "GRU", "TimeDistributed"]),
    "embedding": (embedding, ["Embedding", "LSTM"]),
}


def _inputs(spec, seed=0):
    rng = np.random.default_rng(seed)
    if isinstance(spec, list):
        return [_inputs(s, seed + i) for i, s in enumerate(spec)]
    if spec[0] == "int":
        return rng.integers(0, 20, size=spec[1:]).astype("int32")
    return rng.normal(size=spec).astype("float32")


def _randomize(model, seed=1):
    rng = np.random.default_rng(seed)
    # Positive values keep BatchNorm variances valid; the small scale keeps recurrences unsaturated.
    model.set_weights([rng.uniform(0.05, 0.5, size=np.shape(w)).astype(np.asarray(w).dtype)
                       for w in model.get_weights()])


def _build(name, lib):
    builder, needed = FAMILIES[name]
    if lib is torchkeras:
        _need(*needed)
    return builder(lib)


# --------------------------------------------------------------------------- keras -> torchkeras
@pytest.mark.parametrize("fmt", ["keras", "weights", "h5"])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_keras_file_loads_in_torchkeras(family, fmt, tmp_path):
    _build(family, torchkeras)  # skips early when a layer is missing
    km, spec = _build(family, keras)
    _randomize(km)
    x = _inputs(spec)
    expected = km.predict(x, verbose=0)
    if fmt == "keras":
        path = str(tmp_path / "m.keras")
        km.save(path)
        ours = saving.load_model(path)
    elif fmt == "weights":
        path = str(tmp_path / "m.weights.h5")
        km.save_weights(path)
        ours, _ = _build(family, torchkeras)
        saving.load_weights(ours, path)
    else:
        path = str(tmp_path / "m.h5")
        km.save(path)
        ours = saving.load_model(path)
    _close(ours.predict(x, verbose=0), expected)


# --------------------------------------------------------------------------- torchkeras -> keras
@pytest.mark.parametrize("fmt", ["keras", "weights", "h5"])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_torchkeras_file_loads_in_keras(family, fmt, tmp_path):
    ours, spec = _build(family, torchkeras)
    _randomize(ours)
    x = _inputs(spec)
    expected = ours.predict(x, verbose=0)
    if fmt == "keras":
        path = str(tmp_path / "m.keras")
        saving.save_model(ours, path)
        km = keras.models.load_model(path)
    elif fmt == "weights":
        path = str(tmp_path / "m.weights.h5")
        saving.save_weights(ours, path)
        km, _ = _build(family, keras)
        km.load_weights(path)
    else:
        path = str(tmp_path / "m.h5")
        saving.save_model(ours, path)
        km = keras.models.load_model(path)
    _close(km.predict(x, verbose=0), expected)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_weight_file_layout_matches_keras(family, tmp_path):
    """The same architecture gives the same h5 paths and shapes on both sides."""
    import h5py

    ours, _ = _build(family, torchkeras)
    km, _ = _build(family, keras)
    saving.save_weights(ours, str(tmp_path / "t.weights.h5"))
    km.save_weights(str(tmp_path / "k.weights.h5"))

    def layout(path):
        out = {}
        with h5py.File(path, "r") as f:
            f.visititems(lambda n, o: out.__setitem__(n, getattr(o, "shape", None)))
        return out

    assert layout(str(tmp_path / "t.weights.h5")) == layout(str(tmp_path / "k.weights.h5"))
