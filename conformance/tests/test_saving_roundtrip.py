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
import torch  # noqa: F401, I001  (torch must be imported before tensorflow)

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
        pytest.fail(f"torchkeras has no {missing}: this round trip cannot run (a conformance check never skips)")


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


# --------------------------------------------------------------------------- compiled models
def _train_data():
    rng = np.random.default_rng(5)
    return rng.normal(size=(16, 6)).astype("float32"), rng.normal(size=(16, 3)).astype("float32")


def _compiled(K):
    model = K.Sequential([K.Input((6,)), K.layers.Dense(5, activation="relu"), K.layers.Dense(3)])
    model.compile(optimizer=K.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("direction", ["keras_to_torchkeras", "torchkeras_to_keras"])
def test_compiled_model_resumes_training(direction, tmp_path):
    """Optimizer slots, step count, loss and metrics survive the file: one more step agrees."""
    x, y = _train_data()
    src_lib, dst_load = (keras, saving.load_model) if direction == "keras_to_torchkeras" else \
        (torchkeras, keras.models.load_model)
    src = _compiled(src_lib)
    _randomize(src)
    src.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    path = str(tmp_path / "c.keras")
    src.save(path) if src_lib is keras else saving.save_model(src, path)
    dst = dst_load(path)
    assert int(np.asarray(dst.optimizer.iterations)) == 4
    _close(np.asarray(dst.optimizer.learning_rate), 0.01)
    assert dst.compiled if hasattr(dst, "compiled") else True
    # the same next step on both sides: equal only if Adam's moments and step count came across
    src.train_on_batch(x[:8], y[:8])
    dst.train_on_batch(x[:8], y[:8])
    for a, b in zip(dst.get_weights(), src.get_weights()):
        _close(a, b)
    ours = dst if direction == "keras_to_torchkeras" else src
    names = [m.name for m in ours.metrics]
    assert "loss" in names or ours.metrics_names[:1] == ["loss"]


# --------------------------------------------------------------------------- subclassed models
def _subclassed_class(K):
    @K.saving.register_keras_serializable(package="tkconf")
    class TwoTower(K.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.encoder = K.layers.Dense(units, activation="tanh")
            self.blocks = [K.layers.Dense(units), K.layers.Dense(3)]

        def call(self, inputs):
            x = self.encoder(inputs)
            for block in self.blocks:
                x = block(x)
            return x

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return TwoTower


@pytest.mark.parametrize("direction", ["keras_to_torchkeras", "torchkeras_to_keras"])
def test_subclassed_model_with_registered_class(direction, tmp_path):
    k_cls, t_cls = _subclassed_class(keras), _subclassed_class(torchkeras)
    x = _inputs((4, 6))
    path = str(tmp_path / "s.keras")
    if direction == "keras_to_torchkeras":
        src = k_cls(units=4)
        src(x)
        _randomize(src)
        src.save(path)
        dst = saving.load_model(path)
        assert isinstance(dst, t_cls)
    else:
        src = t_cls(units=4)
        src(x)
        _randomize(src)
        saving.save_model(src, path)
        dst = keras.models.load_model(path)
        assert isinstance(dst, k_cls)
    _close(dst.predict(x, verbose=0), src.predict(x, verbose=0))


# --------------------------------------------------------------------------- safe mode
def test_keras_lambda_refused_unless_safe_mode_off(tmp_path):
    _need("Lambda")
    km = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t * 2.0 + 1.0),
                           keras.layers.Dense(2)])
    path = str(tmp_path / "l.keras")
    km.save(path)
    with pytest.raises(ValueError, match="safe_mode"):
        saving.load_model(path)
    ours = saving.load_model(path, safe_mode=False)
    x = _inputs((2, 3))
    _close(ours.predict(x, verbose=0), km.predict(x, verbose=0))
