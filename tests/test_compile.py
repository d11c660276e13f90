"""compile(jit_compile=True): torch.compile'd steps train to the same weights as eager; the
benchmark model families trace with zero graph breaks; failures fall back to eager once."""

import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers
from torchkeras.trainers import compiled_steps


@pytest.fixture(autouse=True)
def _cheap_backend(monkeypatch):
    # aot_eager runs dynamo and AOTAutograd (the parts that can change numerics or break graphs)
    # without inductor's C++ build, which costs ~a minute per graph on a 2-core CI runner.
    monkeypatch.setenv(compiled_steps.BACKEND_ENV, "aot_eager")
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _mlp():
    return keras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                             layers.Dense(3, activation="softmax")])


def _cnn():
    return keras.Sequential([layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
                             layers.MaxPooling2D(), layers.Flatten(), layers.Dropout(0.5),
                             layers.Dense(3, activation="softmax")])


def _lstm():
    m = keras.Sequential([layers.Embedding(20, 4), layers.LSTM(4),
                          layers.Dense(3, activation="softmax")])
    m(np.zeros((1, 5), dtype="int64"))
    return m


def _data(kind, n=32):
    rng = np.random.default_rng(0)
    x = {"mlp": lambda: rng.random((n, 4), dtype=np.float32),
         "cnn": lambda: rng.random((n, 8, 8, 1), dtype=np.float32),
         "lstm": lambda: rng.integers(0, 20, (n, 5))}[kind]()
    return x, rng.integers(0, 3, n)


def test_auto_stays_eager_and_true_compiles():
    m = _mlp()
    m.compile("adam", "sparse_categorical_crossentropy")
    assert m.jit_compile is False
    m.compile("adam", "sparse_categorical_crossentropy", jit_compile=True)
    assert m.jit_compile is True
    with pytest.raises(ValueError, match="jit_compile"):
        m.compile("adam", "sparse_categorical_crossentropy", jit_compile="yes")


@pytest.mark.parametrize("kind", ["mlp", "lstm"])
def test_compiled_fit_matches_eager(kind):
    build = {"mlp": _mlp, "lstm": _lstm}[kind]
    eager, jit = build(), build()
    jit.set_weights(eager.get_weights())
    x, y = _data(kind)
    # Compiled steps give an Embedding the dense gradient rule (torchkeras/sparse_grads.py), so
    # the Embedding model trains with a rule linear in the gradient, where both rules agree.
    optimizer = "adam" if kind == "mlp" else "sgd"
    for m, flag in ((eager, False), (jit, True)):
        m.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=flag)
    he = eager.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    hj = jit.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(eager.get_weights(), jit.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(he.history["loss"], hj.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(eager.evaluate(x, y, verbose=0), jit.evaluate(x, y, verbose=0),
                               rtol=1e-5)
    np.testing.assert_allclose(eager.predict(x, verbose=0), jit.predict(x, verbose=0), atol=1e-6)


@pytest.mark.parametrize("kind", ["mlp", "cnn", "lstm"])
def test_benchmark_models_have_no_graph_breaks(kind):
    model = {"mlp": _mlp, "cnn": _cnn, "lstm": _lstm}[kind]()
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=True)
    x, y = _data(kind, 4)
    dev = next(model.parameters()).device  # compile() moved the model to CUDA where there is one
    x, y = torch.as_tensor(x, device=dev), torch.as_tensor(y, device=dev)
    steps = model._compiled_steps
    model.train()
    for fn in (steps._train_forward, steps._test_forward):
        explained = torch._dynamo.explain(fn)(x, y, None)
        assert explained.graph_break_count == 0, explained.break_reasons
        assert explained.graph_count == 1


def _failing_backend(gm, example_inputs):
    raise RuntimeError("this backend cannot compile anything")


def test_uncompilable_model_falls_back_to_eager_with_one_warning(monkeypatch):
    monkeypatch.setattr(torch._dynamo.config, "suppress_errors", False)
    real_compile = torch.compile
    monkeypatch.setattr(torch, "compile", lambda fn, **kw: real_compile(fn, backend=_failing_backend))
    model, ref = _mlp(), _mlp()
    ref.set_weights(model.get_weights())
    x, y = _data("mlp")
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=True)
    ref.compile("adam", "sparse_categorical_crossentropy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        model.predict(x, verbose=0)
    ours = [w for w in caught if "Falling back to eager" in str(w.message)]
    assert len(ours) == 1, [str(w.message) for w in caught]
    assert "jit_compile=False" in str(ours[0].message)
    ref.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ref.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
