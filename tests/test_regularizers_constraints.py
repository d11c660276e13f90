"""Regularizers and constraints vs numpy formulas; configs; name lookup."""

import numpy as np
import pytest
import torch

from torchkeras import constraints as C
from torchkeras import regularizers as R
from torchkeras.utils import serialization as S

RNG = np.random.default_rng(0)
W = RNG.standard_normal((5, 4)).astype(np.float32)
W4 = RNG.standard_normal((3, 3, 2, 4)).astype(np.float32)
EPS = 1e-7


def _t(a):
    return torch.from_numpy(a.copy())


def test_l1_l2_penalties():
    wd = W.astype(np.float64)
    np.testing.assert_allclose(R.L1(0.3)(_t(W)).item(), 0.3 * np.abs(wd).sum(), rtol=1e-6)
    np.testing.assert_allclose(R.L2(0.2)(_t(W)).item(), 0.2 * (wd**2).sum(), rtol=1e-6)
    np.testing.assert_allclose(R.L1L2(0.1, 0.4)(_t(W)).item(),
                               0.1 * np.abs(wd).sum() + 0.4 * (wd**2).sum(), rtol=1e-6)
    zero = R.L1L2()(_t(W))
    assert zero.dim() == 0 and zero.item() == 0.0


def test_regularizer_is_differentiable():
    w = _t(W).requires_grad_()
    R.L1L2(0.1, 0.4)(w).backward()
    np.testing.assert_allclose(w.grad.numpy(), 0.1 * np.sign(W) + 0.8 * W, rtol=1e-5, atol=1e-6)


def _np_orthogonal(w, factor, mode):
    v = w.astype(np.float64) if mode == "rows" else w.T.astype(np.float64)
    norms = np.sqrt((v**2).sum(axis=1, keepdims=True))
    u = v / np.maximum(norms, EPS)
    n = len(u)
    off = [abs(u[i] @ u[j]) for i in range(n) for j in range(n) if i != j]
    return factor * 0.5 * sum(off) / (n * (n - 1) / 2)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer(mode):
    got = R.OrthogonalRegularizer(0.5, mode)(_t(W)).item()
    np.testing.assert_allclose(got, _np_orthogonal(W, 0.5, mode), rtol=1e-5)
    with pytest.raises(ValueError, match="rank 2"):
        R.OrthogonalRegularizer()(torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="mode"):
        R.OrthogonalRegularizer(mode="diag")


def test_regularizer_configs_and_names():
    assert R.serialize(R.L2()) == {"module": "keras.regularizers", "class_name": "L2",
                                   "config": {"l2": 0.01}, "registered_name": None}
    # Keras stores L1's factor as float32, so the config shows the rounded value
    assert R.L1().get_config() == {"l1": float(np.float32(0.01))}
    assert R.get("l1l2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert R.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}  # Keras 2 string
    assert isinstance(R.get("orthogonal_regularizer"), R.OrthogonalRegularizer)
    for obj in [R.L1(0.2), R.L2(0.3), R.L1L2(0.1, 0.2), R.OrthogonalRegularizer(0.1, "columns")]:
        back = R.deserialize(R.serialize(obj))
        assert type(back) is type(obj) and back.get_config() == obj.get_config()
    legacy = {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.001}}
    assert R.get(legacy).get_config() == {"l1": 0.0, "l2": 0.001}
    with pytest.raises(ValueError, match="non-negative"):
        R.L2(-1.0)
    with pytest.raises(ValueError, match="'l1_l2'"):
        R.get("l3")
    fn = lambda w: w.sum()
    assert R.get(fn) is fn


def _np_norms(w, axis):
    return np.sqrt((w.astype(np.float64) ** 2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("w, axis", [(W, 0), (W, 1), (W4, [0, 1, 2])])
def test_norm_constraints(w, axis):
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    n = _np_norms(w, np_axis)
    wd = w.astype(np.float64)
    np.testing.assert_allclose(C.MaxNorm(1.5, axis)(_t(w)).numpy(),
                               wd * np.clip(n, 0, 1.5) / (EPS + n), rtol=1e-5)
    np.testing.assert_allclose(C.UnitNorm(axis)(_t(w)).numpy(), wd / (EPS + n), rtol=1e-5)
    desired = 0.3 * np.clip(n, 0.5, 1.2) + 0.7 * n
    np.testing.assert_allclose(C.MinMaxNorm(0.5, 1.2, 0.3, axis)(_t(w)).numpy(),
                               wd * desired / (EPS + n), rtol=1e-5)


def test_max_norm_leaves_small_vectors_alone_and_non_neg():
    small = np.full((3, 2), 0.1, dtype=np.float32)
    np.testing.assert_allclose(C.MaxNorm()(_t(small)).numpy(), small, rtol=1e-5)
    np.testing.assert_array_equal(C.NonNeg()(_t(W)).numpy(), np.maximum(W, 0))
    assert torch.equal(C.Constraint()(_t(W)), _t(W))


def test_constraint_configs_and_names():
    assert C.serialize(C.MaxNorm()) == {"module": "keras.constraints", "class_name": "MaxNorm",
                                        "config": {"max_value": 2, "axis": 0},
                                        "registered_name": None}
    assert C.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0,
                                           "axis": 0}
    for name, cls in [("max_norm", C.MaxNorm), ("non_neg", C.NonNeg), ("unit_norm", C.UnitNorm),
                      ("min_max_norm", C.MinMaxNorm), ("MaxNorm", C.MaxNorm)]:
        assert type(C.get(name)) is cls
    for obj in [C.MaxNorm(3, [0, 1]), C.NonNeg(), C.UnitNorm(1), C.MinMaxNorm(0.1, 2.0, 0.5, 1)]:
        back = C.deserialize(C.serialize(obj))
        assert type(back) is type(obj) and back.get_config() == obj.get_config()
    assert C.get(None) is None
    with pytest.raises(ValueError, match="'unit_norm'"):
        C.get("maxnorm")


def test_registered_custom_objects_round_trip():
    @S.register_keras_serializable(package="TestRC")
    class Clip(C.Constraint):
        def __init__(self, limit=1.0):
            self.limit = limit

        def __call__(self, w):
            return w.clamp(-self.limit, self.limit)

        def get_config(self):
            return {"limit": self.limit}

    cfg = C.serialize(Clip(0.5))
    assert cfg["registered_name"] == "TestRC>Clip" and cfg["config"] == {"limit": 0.5}
    back = C.get(cfg)
    assert isinstance(back, Clip) and back.limit == 0.5
    assert S.get_registered_object("TestRC>Clip") is Clip

    class Unregistered(C.Constraint):
        pass

    cfg = S.serialize_keras_object(Unregistered())
    with pytest.raises(ValueError, match="custom_objects"):
        C.deserialize(cfg)
    assert type(C.deserialize(cfg, custom_objects={"Unregistered": Unregistered})) is Unregistered
    with S.custom_object_scope({"Unregistered": Unregistered}):
        assert type(C.deserialize(cfg)) is Unregistered
    with pytest.raises(ValueError, match="get_config"):
        S.register_keras_serializable()(type("NoConfig", (), {}))


def test_serialize_plain_values():
    arr = np.arange(3, dtype=np.float32)
    cfg = S.serialize_keras_object({"a": arr, "b": (1, 2), "c": torch.tensor([1.5])})
    assert cfg["a"] == {"class_name": "__numpy__", "config": {"value": [0.0, 1.0, 2.0],
                                                               "dtype": "float32"}}
    assert cfg["b"] == (1, 2)
    assert cfg["c"]["config"] == {"value": [1.5], "dtype": "float32"}
    back = S.deserialize_keras_object(cfg)
    np.testing.assert_array_equal(back["a"], arr)
    assert torch.equal(back["c"], torch.tensor([1.5]))
