"""Activations vs independent numpy (float64) formulas, plus get/serialize."""

import math

import numpy as np
import pytest
import torch

from torchkeras import activations as A

RNG = np.random.default_rng(0)
X = np.concatenate([RNG.standard_normal(200) * 4,
                    [-30.0, -15.0, -1.0, -0.5, 0.0, 0.5, 1.0, 15.0, 30.0]]).astype(np.float32)
XD = X.astype(np.float64)
_erf = np.vectorize(math.erf)
_sig = lambda v: 1.0 / (1.0 + np.exp(-v))
_softplus = lambda v: np.log1p(np.exp(-np.abs(v))) + np.maximum(v, 0)
SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805

REFERENCE = {
    "relu": lambda v: np.maximum(v, 0),
    "tanh": np.tanh,
    "sigmoid": _sig,
    "relu6": lambda v: np.clip(v, 0, 6),
    "selu": lambda v: SELU_S * np.where(v > 0, v, SELU_A * (np.exp(np.minimum(v, 0)) - 1)),
    "elu": lambda v: np.where(v > 0, v, np.exp(np.minimum(v, 0)) - 1),
    "softsign": lambda v: v / (1 + np.abs(v)),
    "exponential": np.exp,
    "silu": lambda v: v * _sig(v),
    "swish": lambda v: v * _sig(v),
    "softplus": _softplus,
    "mish": lambda v: v * np.tanh(_softplus(v)),
    "linear": lambda v: v,
    "gelu": lambda v: 0.5 * v * (1 + _erf(v / np.sqrt(2))),
    "leaky_relu": lambda v: np.where(v > 0, v, 0.2 * v),
    "hard_sigmoid": lambda v: np.clip(v + 3, 0, 6) / 6,
    "hard_silu": lambda v: v * np.clip(v + 3, 0, 6) / 6,
    "hard_swish": lambda v: v * np.clip(v + 3, 0, 6) / 6,
    "celu": lambda v: np.maximum(v, 0) + np.minimum(np.exp(np.minimum(v, 0)) - 1, 0),
    "hard_shrink": lambda v: np.where(np.abs(v) > 0.5, v, 0),
    "hard_tanh": lambda v: np.clip(v, -1, 1),
    "log_sigmoid": lambda v: -_softplus(-v),
    "soft_shrink": lambda v: np.sign(v) * np.maximum(np.abs(v) - 0.5, 0),
    "sparse_plus": lambda v: np.where(v <= -1, 0, np.where(v < 1, (v + 1) ** 2 / 4, v)),
    "sparse_sigmoid": lambda v: np.clip((v + 1) / 2, 0, 1),
    "squareplus": lambda v: (v + np.sqrt(v * v + 4)) / 2,
    "tanh_shrink": lambda v: v - np.tanh(v),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_elementwise_matches_numpy(name):
    out = A.get(name)(torch.from_numpy(X)).numpy().astype(np.float64)
    ref = REFERENCE[name](XD)
    np.testing.assert_allclose(out, ref, rtol=2e-6, atol=1e-6)


def test_every_keras_name_is_covered():
    expected = set(REFERENCE) | {"softmax", "log_softmax", "glu", "threshold", "sparsemax"}
    assert set(A.ALL_OBJECTS_DICT) == expected


def test_relu_options():
    x = torch.from_numpy(X)
    np.testing.assert_allclose(A.relu(x, max_value=2.5).numpy(), np.clip(X, 0, 2.5))
    np.testing.assert_allclose(A.relu(x, negative_slope=0.1).numpy(), np.where(X > 0, X, 0.1 * X),
                               rtol=1e-6)
    # threshold keeps x only where x > threshold; below it the slope acts on (threshold - x)
    ref = np.clip(np.where(X > 1.0, X, 0), 0, 4) - 0.3 * np.maximum(1.0 - X, 0)
    np.testing.assert_allclose(A.relu(x, 0.3, 4, 1.0).numpy(), ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(A.relu(x, threshold=-1.0).numpy(), np.where(X > -1, X, 0))


def test_parametrised_variants():
    x = torch.from_numpy(X)
    np.testing.assert_allclose(A.elu(x, alpha=0.5).numpy(),
                               np.where(XD > 0, XD, 0.5 * np.expm1(np.minimum(XD, 0))), atol=1e-6)
    approx = 0.5 * XD * (1 + np.tanh(np.sqrt(2 / np.pi) * (XD + 0.044715 * XD**3)))
    np.testing.assert_allclose(A.gelu(x, approximate=True).numpy(), approx, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(A.celu(x, alpha=2.0).numpy(),
                               np.maximum(XD, 0) + 2 * np.expm1(np.minimum(XD, 0) / 2), atol=1e-6)
    np.testing.assert_allclose(A.threshold(x, 0.3, -2.0).numpy(), np.where(X > 0.3, X, -2.0))
    np.testing.assert_allclose(A.squareplus(x, b=1).numpy(), (XD + np.sqrt(XD**2 + 1)) / 2,
                               rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(A.keras2_hard_sigmoid(x).numpy(), np.clip(0.2 * XD + 0.5, 0, 1),
                               atol=1e-7)


def _np_softmax(v, axis):
    e = np.exp(v - v.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 0, 1, (1, 2), None])
def test_softmax_and_log_softmax(axis):
    v = RNG.standard_normal((3, 4, 5)) * 3
    np_axis = tuple(range(3)) if axis is None else axis
    ref = _np_softmax(v, np_axis)
    x = torch.from_numpy(v.astype(np.float32))
    out = A.softmax(x, axis=axis)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(A.log_softmax(x, axis=axis).numpy(), np.log(ref), rtol=1e-5,
                               atol=1e-5)
    assert out._keras_logits is x


def test_sigmoid_keeps_logits_and_gradients_flow():
    x = torch.from_numpy(X).requires_grad_()
    out = A.sigmoid(x)
    assert out._keras_logits is x
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _sig(XD) * (1 - _sig(XD)), atol=1e-6)


@pytest.mark.parametrize("name", ["elu", "selu", "softplus", "mish", "celu", "log_sigmoid"])
def test_no_nan_gradients_at_extremes(name):
    x = torch.tensor([-500.0, -50.0, 0.0, 50.0, 500.0], requires_grad=True)
    A.get(name)(x).sum().backward()
    assert torch.isfinite(x.grad).all()


def test_glu():
    v = RNG.standard_normal((4, 6)).astype(np.float32)
    ref = v[:, :3] * _sig(v[:, 3:].astype(np.float64))
    np.testing.assert_allclose(A.glu(torch.from_numpy(v)).numpy(), ref, rtol=1e-6)
    with pytest.raises(ValueError, match="divisible by 2"):
        A.glu(torch.zeros(2, 3))


def _keras_sparsemax_1d(z):
    # Keras 3.15's threshold: (sum of cumsums over the support - 1) / k
    zs = np.sort(z)[::-1]
    cs = np.cumsum(zs)
    support = zs - (cs - 1) / np.arange(1, len(z) + 1) > 0
    tau = (cs[support].sum() - 1) / support.sum()
    return np.maximum(z - tau, 0)


def test_sparsemax_follows_keras_formula():
    v = (RNG.standard_normal((6, 5)) * 0.4).astype(np.float32)
    ref = np.stack([_keras_sparsemax_1d(r.astype(np.float64)) for r in v])
    np.testing.assert_allclose(A.sparsemax(torch.from_numpy(v)).numpy(), ref, atol=1e-6)
    ref0 = np.stack([_keras_sparsemax_1d(c.astype(np.float64)) for c in v.T]).T
    np.testing.assert_allclose(A.sparsemax(torch.from_numpy(v), axis=0).numpy(), ref0, atol=1e-6)
    # single-element support: one-hot on the max (textbook and Keras agree)
    np.testing.assert_allclose(A.sparsemax(torch.tensor([[0.0, 5.0, 1.0]])).numpy(), [[0, 1, 0]])


def test_get_serialize_deserialize():
    assert A.get(None) is A.linear
    assert A.get("swish") is A.silu and A.get("hard_swish") is A.hard_silu
    assert A.get(torch.tanh) is torch.tanh
    assert A.serialize(A.swish) == "silu"
    for name, fn in A.ALL_OBJECTS_DICT.items():
        assert A.deserialize(A.serialize(fn)) is fn
    keras_dict = {"module": "keras.activations", "class_name": "function", "config": "relu",
                  "registered_name": "relu"}
    assert A.get(keras_dict) is A.relu
    builtin_dict = {"module": "builtins", "class_name": "function", "config": "gelu",
                    "registered_name": "function"}
    assert A.deserialize(builtin_dict) is A.gelu


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Could not interpret activation") as err:
        A.get("relux")
    assert "'sparsemax'" in str(err.value) and "'relu'" in str(err.value)


def test_custom_registered_activation_round_trip():
    from torchkeras.utils.serialization import register_keras_serializable

    @register_keras_serializable(package="TestAct")
    def doubled(x):
        return 2 * x

    cfg = A.serialize(doubled)
    assert cfg == {"module": "builtins", "class_name": "function", "config": "TestAct>doubled",
                   "registered_name": "function"}
    assert A.get(cfg) is doubled


def test_softplus_family_relative_accuracy_for_negative_inputs():
    # tiny outputs must be accurate relative to their size (log1p, not log(1 + e))
    v = np.linspace(-17.0, -5.0, 200)
    x = torch.from_numpy(v.astype(np.float32))
    ref = np.log1p(np.exp(v.astype(np.float32).astype(np.float64)))
    np.testing.assert_allclose(A.softplus(x).numpy(), ref, rtol=1e-6, atol=0)
    np.testing.assert_allclose(A.log_sigmoid(-x).numpy(), -ref, rtol=1e-6, atol=0)
