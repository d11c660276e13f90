"""keras.ops, keras.random, keras.backend (Keras 2 K.*) and pad_sequences, checked against numpy."""

import math
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import backend as K
from torchkeras import ops
from torchkeras import random as krandom
from torchkeras.porting.deprecation import Keras2DeprecationWarning
from torchkeras.utils.sequence_utils import pad_sequences

RNG = np.random.RandomState(0)
X = RNG.randn(3, 4).astype("float32")
Y = RNG.randn(3, 4).astype("float32")


def close(a, b, atol=1e-6):
    np.testing.assert_allclose(ops.convert_to_numpy(a), b, rtol=1e-5, atol=atol)


@pytest.mark.parametrize("name,ref", [
    ("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply), ("divide", np.divide),
    ("maximum", np.maximum), ("minimum", np.minimum), ("power", lambda a, b: np.power(np.abs(a), b)),
])
def test_binary_ops_match_numpy(name, ref):
    a = np.abs(X) if name == "power" else X
    close(getattr(ops, name)(a, Y), ref(X, Y) if name != "power" else ref(a, Y))
    close(getattr(ops, name)(torch.from_numpy(a), 2.0), ref(a, np.float32(2.0)))


@pytest.mark.parametrize("name,ref", [
    ("sqrt", lambda x: np.sqrt(np.abs(x))), ("exp", np.exp), ("log", lambda x: np.log(np.abs(x))),
    ("abs", np.abs), ("square", np.square), ("tanh", np.tanh),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("relu", lambda x: np.maximum(x, 0)),
])
def test_unary_ops_match_numpy(name, ref):
    arg = np.abs(X) if name in ("sqrt", "log") else X
    close(getattr(ops, name)(arg), ref(X))


def test_reductions_and_shapes():
    close(ops.sum(X), X.sum())
    close(ops.mean(X, axis=1, keepdims=True), X.mean(1, keepdims=True))
    close(ops.max(X, axis=(0, 1)), X.max())
    close(ops.min(X, axis=0), X.min(0))
    close(ops.std(X, axis=1), X.std(1))
    close(ops.var(X), X.var())
    assert ops.argmax(X, axis=-1).tolist() == X.argmax(-1).tolist()
    assert ops.argmin(X).item() == X.argmin()
    assert ops.mean(np.array([1, 2])).dtype == torch.float32  # ints promote to floatx, as Keras
    assert ops.reshape(X, (2, -1)).shape == (2, 6)
    close(ops.transpose(X), X.T)
    close(ops.concatenate([X, Y], axis=1), np.concatenate([X, Y], 1))
    close(ops.stack([X, Y]), np.stack([X, Y]))
    assert ops.expand_dims(X, (0, -1)).shape == np.expand_dims(X, (0, -1)).shape
    assert ops.squeeze(np.zeros((1, 3, 1)), axis=0).shape == (3, 1)
    close(ops.where(X > 0, X, Y), np.where(X > 0, X, Y))
    close(ops.clip(X, -0.5, 0.5), np.clip(X, -0.5, 0.5))
    close(ops.matmul(X, Y.T), X @ Y.T)
    close(ops.take(X, np.array([[0, 2]]), axis=1), np.take(X, [[0, 2]], axis=1))
    close(ops.pad(X, ((1, 0), (0, 2))), np.pad(X, ((1, 0), (0, 2))))
    assert ops.cast(X, "int32").dtype == torch.int32
    assert ops.shape(X) == (3, 4) and ops.ndim(X) == 2
    assert ops.zeros((2, 3)).dtype == torch.float32 and ops.arange(4).dtype == torch.int32
    close(ops.eye(3, 4, k=1), np.eye(3, 4, k=1))


def test_nn_ops():
    # Keras's gelu defaults to the tanh approximation.
    tanh_gelu = 0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X ** 3)))
    close(ops.gelu(X), tanh_gelu, atol=1e-5)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in X.ravel()]).reshape(X.shape)
    close(ops.gelu(X, approximate=False), exact, atol=1e-5)
    e = np.exp(X - X.max(-1, keepdims=True))
    close(ops.softmax(X), e / e.sum(-1, keepdims=True))
    close(ops.leaky_relu(X), np.where(X > 0, X, 0.2 * X))
    close(ops.one_hot(np.array([0, 2, 5, -1]), 3), np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]))
    p = np.array([[0.2, 0.8]])
    close(ops.categorical_crossentropy(np.array([[0.0, 1.0]]), p), [-np.log(0.8)])
    close(ops.sparse_categorical_crossentropy(np.array([0]), p), [-np.log(0.2)])
    close(ops.binary_crossentropy(np.array([1.0, 0.0]), np.array([0.9, 0.3])), [-np.log(0.9), -np.log(0.7)])


def test_ops_on_symbolic_tensors_build_a_model():
    inp = keras.Input((4,))
    out = ops.concatenate([ops.mean(ops.square(inp), axis=-1, keepdims=True), ops.gelu(inp)], axis=-1)
    assert out.shape == (None, 5)
    model = keras.Model(inp, out)
    got = ops.convert_to_numpy(model(torch.from_numpy(X)))
    np.testing.assert_allclose(got[:, 0], (X ** 2).mean(-1), rtol=1e-5)
    assert ops.shape(inp) == (None, 4)


def test_random_seeds():
    a, b = krandom.normal((50,), seed=3), krandom.normal((50,), seed=3)
    assert torch.equal(a, b)
    gen = krandom.SeedGenerator(1)
    assert not torch.equal(krandom.uniform((5,), seed=gen), krandom.uniform((5,), seed=gen))
    u = krandom.uniform((1000,), minval=2.0, maxval=3.0, seed=1)
    assert 2.0 <= u.min() and u.max() < 3.0
    t = krandom.truncated_normal((2000,), stddev=0.5, seed=0)
    assert t.abs().max() <= 1.0
    d = krandom.dropout(torch.ones(1000), 0.25, seed=0)
    assert set(d.unique().tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert sorted(krandom.shuffle(torch.arange(10), seed=0).tolist()) == list(range(10))
    r = krandom.randint((100,), 1, 4, seed=0)
    assert r.min() >= 1 and r.max() <= 3
    with pytest.raises(ValueError, match="seed"):
        krandom.normal((2,), seed="x")


def test_keras2_backend_functions_warn_once_and_compute():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        close(K.mean(X, axis=1), X.mean(1))
        K.mean(X)
        close(K.sum(X), X.sum())
        close(K.sqrt(np.array([-1.0, 4.0])), [0.0, 2.0])  # Keras 2 clipped negatives to 0
        close(K.clip(X, 0.5, 0.1), np.clip(X, 0.5, 0.5))  # max < min: max becomes min
        close(K.concatenate([X, Y]), np.concatenate([X, Y], -1))  # Keras 2 default axis -1
        close(K.hard_sigmoid(X), np.clip(0.2 * X + 0.5, 0, 1))
        close(K.batch_dot(np.ones((2, 3, 4)), np.ones((2, 4, 5))), np.full((2, 3, 5), 4.0))
        close(K.batch_dot(X, Y, axes=1), (X * Y).sum(1, keepdims=True))
        assert K.int_shape(X) == (3, 4) and K.int_shape(keras.Input((7,))) == (None, 7)
    mean_warnings = [w for w in caught if issubclass(w.category, Keras2DeprecationWarning)
                     and "keras.backend.mean " in str(w.message)]
    assert len(mean_warnings) <= 1  # once per process (zero if another test warned first)
    assert K.epsilon() == 1e-7 and K.floatx() == "float32" and K.backend() == "torch"


def test_get_set_value_and_clear_session():
    t = torch.zeros(2, 2)
    K.set_value(t, np.ones((2, 2)))
    assert K.get_value(t).tolist() == [[1, 1], [1, 1]]
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    K.set_value(layer.kernel, np.full((3, 2), 0.5))
    np.testing.assert_array_equal(K.get_value(layer.kernel), np.full((3, 2), 0.5))
    keras.layers.Dense(1)
    K.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    with pytest.raises(NotImplementedError, match="gradients"):
        K.gradients(None, None)


@pytest.mark.parametrize("kwargs,expected", [
    ({}, [[0, 1, 2], [0, 0, 3], [4, 5, 6]]),
    ({"padding": "post"}, [[1, 2, 0], [3, 0, 0], [4, 5, 6]]),
    ({"maxlen": 2}, [[1, 2], [0, 3], [5, 6]]),
    ({"maxlen": 2, "truncating": "post"}, [[1, 2], [0, 3], [4, 5]]),
    ({"maxlen": 4, "value": -1}, [[-1, -1, 1, 2], [-1, -1, -1, 3], [-1, 4, 5, 6]]),
])
def test_pad_sequences(kwargs, expected):
    out = pad_sequences([[1, 2], [3], [4, 5, 6]], **kwargs)
    assert out.dtype == np.int32 and out.tolist() == expected


def test_pad_sequences_errors_and_vectors():
    assert pad_sequences([[], [1.5]], dtype="float32").tolist() == [[0.0], [1.5]]
    assert pad_sequences([[[1, 2]], [[3, 4], [5, 6]]]).shape == (2, 2, 2)
    with pytest.raises(ValueError, match="Padding type"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([1, 2])


def test_plot_model_without_pydot_says_what_to_install():
    pytest.importorskip("torch")
    try:
        import pydot  # noqa: F401
        pytest.skip("pydot is installed here")
    except ImportError:
        pass
    from torchkeras.utils.plot_model import plot_model
    with pytest.raises(ImportError, match="pip install pydot"):
        plot_model(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))
