"""Package-level promises: no TensorFlow import, the Keras namespace, the seed's whole flow."""

import subprocess
import sys

import numpy as np

import torchkeras as keras


def test_import_torchkeras_never_imports_tensorflow_or_keras():
    code = ("import sys, torchkeras, torchkeras.layers, torchkeras.models, torchkeras.ops;"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')];"
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_keras_namespace():
    for name in ("layers", "models", "optimizers", "losses", "metrics", "callbacks", "activations",
                 "initializers", "regularizers", "constraints", "utils", "backend", "ops", "random", "datasets"):
        assert hasattr(keras, name), name
    assert keras.models.Sequential is keras.Sequential and keras.layers.Input is keras.Input


def test_seed_flow_end_to_end_sequential_and_functional():
    """The seed's 784-32-10 MLP: build both ways, compile, fit with validation_split, evaluate, predict."""
    rng = np.random.default_rng(0)
    x = rng.random((256, 784), dtype=np.float32)
    labels = (x[:, :10].argmax(-1)).astype("int64")  # a learnable rule
    y = keras.utils.to_categorical(labels, 10)

    seq = keras.Sequential()
    seq.add(keras.layers.Dense(units=32, activation="relu", input_dim=784))
    seq.add(keras.layers.Dense(units=10, activation="softmax"))

    x_input = keras.layers.Input(shape=(784,))
    dense_1 = keras.layers.Dense(units=32, activation="relu")(x_input)
    output = keras.layers.Dense(units=10, activation="softmax")(dense_1)
    fun = keras.models.Model(inputs=x_input, outputs=output)

    for model, opt in ((seq, "SGD"), (fun, "Adam")):
        model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=32, epochs=3, verbose=0, validation_split=0.25)
        assert set(history.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
        assert len(history.history["loss"]) == 3
        loss, acc = model.evaluate(x, y, verbose=0)
        assert np.isfinite(loss) and 0 <= acc <= 1
        pred = model.predict(x[:5], verbose=0)
        assert isinstance(pred, np.ndarray) and pred.shape == (5, 10)
        assert np.allclose(pred.sum(-1), 1, atol=1e-5)
    assert fun.history.history["loss"][-1] < fun.history.history["loss"][0]
