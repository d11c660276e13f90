"""torchkeras.losses against independent numpy formulas (no TensorFlow here)."""

import numpy as np
import pytest
import torch

import torchkeras.losses as L

EPS = 1e-7
rng = np.random.default_rng(0)


def t(x):
    return torch.as_tensor(np.asarray(x, dtype=np.float32))


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(a.detach().numpy(), b, rtol=tol, atol=1e-6)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


Y = rng.normal(size=(6, 3)).astype(np.float32)
P = rng.normal(size=(6, 3)).astype(np.float32)


@pytest.mark.parametrize("fn,ref", [
    (L.mean_squared_error, lambda y, p: ((y - p) ** 2).mean(-1)),
    (L.mean_absolute_error, lambda y, p: np.abs(y - p).mean(-1)),
    (L.mean_absolute_percentage_error,
     lambda y, p: 100 * (np.abs(y - p) / np.maximum(np.abs(y), EPS)).mean(-1)),
    (L.log_cosh, lambda y, p: np.log(np.cosh(p - y)).mean(-1)),
    (L.huber, lambda y, p: np.where(np.abs(p - y) <= 1, 0.5 * (p - y) ** 2,
                                    np.abs(p - y) - 0.5).mean(-1)),
    (L.cosine_similarity, lambda y, p: -(y * p).sum(-1) / np.linalg.norm(y, axis=-1)
     / np.linalg.norm(p, axis=-1)),
])
def test_regression_functions(fn, ref):
    close(fn(t(Y), t(P)), ref(Y, P))


def test_positive_functions():
    y, p = np.abs(Y) + 0.1, np.abs(P) + 0.1
    close(L.msle(t(y), t(p)), ((np.log1p(p) - np.log1p(y)) ** 2).mean(-1))
    close(L.poisson(t(y), t(p)), (p - y * np.log(p + EPS)).mean(-1))
    q, r = softmax(Y), softmax(P)
    close(L.kld(t(q), t(r)), (q * np.log(q / r)).sum(-1))


def test_hinge_family():
    y01 = (Y > 0).astype(np.float32)
    ypm = 2 * y01 - 1
    close(L.hinge(t(y01), t(P)), np.maximum(1 - ypm * P, 0).mean(-1))
    close(L.squared_hinge(t(ypm), t(P)), (np.maximum(1 - ypm * P, 0) ** 2).mean(-1))
    oh = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    pos = (oh * P).sum(-1)
    neg = ((1 - oh) * P).max(-1)
    close(L.categorical_hinge(t(oh), t(P)), np.maximum(neg - pos + 1, 0))


def test_crossentropy_probability_paths():
    oh = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    p = softmax(P * 20).astype(np.float32)
    pn = p / p.sum(-1, keepdims=True)
    ref = -(oh * np.log(np.clip(pn, EPS, 1 - EPS))).sum(-1)
    close(L.categorical_crossentropy(t(oh), t(p)), ref)
    # sparse: clip first, then renormalise
    labels = np.array([0, 1, 2, 0, 1, 2])
    pc = np.clip(p, EPS, 1 - EPS)
    ref = -np.log(pc[np.arange(6), labels]) + np.log(pc.sum(-1))
    close(L.sparse_categorical_crossentropy(torch.as_tensor(labels), t(p)), ref)
    close(L.sparse_categorical_crossentropy(t(labels[:, None]), t(p)), ref)
    # binary with label smoothing
    yb = (Y > 0).astype(np.float32)
    pb = 1 / (1 + np.exp(-P * 10))
    ys = yb * 0.9 + 0.05
    pbc = np.clip(pb, EPS, 1 - EPS)
    ref = -(ys * np.log(pbc) + (1 - ys) * np.log(1 - pbc)).mean(-1)
    close(L.binary_crossentropy(t(yb), t(pb), label_smoothing=0.1), ref)


def test_logits_attribute_is_used():
    z = torch.tensor([[40.0, -40.0, 0.0]])
    p = torch.softmax(z, -1)
    y = torch.tensor([[0.0, 1.0, 0.0]])
    clipped = L.categorical_crossentropy(y, p)
    np.testing.assert_allclose(clipped.numpy(), [-np.log(EPS)], rtol=1e-5)
    p._keras_logits = z
    ref = 80.0 + np.log1p(np.exp(-40.0) + np.exp(-80.0))
    close(L.categorical_crossentropy(y, p), np.array([ref]))
    close(L.CategoricalCrossentropy()(y, p), np.array(ref))
    ps = torch.sigmoid(z)
    ps._keras_logits = z
    yb = torch.tensor([[1.0, 1.0, 0.0]])
    ref = (0 + 40 + np.log(2)) / 3
    close(L.binary_crossentropy(yb, ps), np.array([ref]), tol=1e-4)


def test_reductions_and_sample_weight():
    per = ((Y - P) ** 2).mean(-1)
    sw = rng.uniform(0, 2, 6).astype(np.float32)
    y, p = t(Y), t(P)
    close(L.MeanSquaredError()(y, p), per.mean())
    close(L.MeanSquaredError(reduction="sum")(y, p), per.sum())
    close(L.MeanSquaredError(reduction="none")(y, p), per)
    close(L.MeanSquaredError()(y, p, sample_weight=t(sw)), (per * sw).sum() / 6)
    close(L.MeanSquaredError(reduction="mean_with_sample_weight")(y, p, sample_weight=t(sw)),
          (per * sw).sum() / sw.sum())
    with pytest.raises(ValueError, match="reduction"):
        L.MeanSquaredError(reduction="avg")


def test_expand_flat_labels_and_mask():
    y = np.array([0.0, 1.0, 2.0], np.float32)
    p = np.array([[0.5], [1.0], [0.0]], np.float32)
    close(L.MeanSquaredError()(t(y), t(p)), ((y - p[:, 0]) ** 2).mean())
    ys, ps = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    per = ((ys - ps) ** 2).mean(-1)
    pt = t(ps)
    pt._keras_mask = torch.as_tensor(mask)
    close(L.MeanSquaredError()(t(ys), pt), per[mask].mean())
    close(L.MeanSquaredError(reduction="sum")(t(ys), pt), per[mask].sum())


def test_ignore_class():
    labels = torch.tensor([0, 2, 1, 2])
    p = softmax(rng.normal(size=(4, 3))).astype(np.float32)
    per = -np.log(np.clip(p, EPS, 1 - EPS)[np.arange(4), [0, 2, 1, 2]]) + np.log(
        np.clip(p, EPS, 1 - EPS).sum(-1))
    keep = np.array([True, False, True, False])
    close(L.SparseCategoricalCrossentropy(ignore_class=2)(labels, t(p)), per[keep].mean())


def test_bad_label_shapes():
    p = torch.softmax(torch.randn(32, 10), -1)
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy"):
        L.categorical_crossentropy(torch.randint(0, 10, (32,)), p)
    with pytest.raises(ValueError, match=r"\(32, 10\)"):
        L.CategoricalCrossentropy()(torch.randint(0, 10, (32,)), p)
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        L.SparseCategoricalCrossentropy()(torch.eye(10)[:4].repeat(8, 1), p)
    with pytest.raises(ValueError, match="binary_crossentropy"):
        L.binary_crossentropy(torch.ones(32, 3), torch.rand(32, 1))


def test_get_and_serialize():
    assert L.get("mse") is L.mean_squared_error
    assert isinstance(L.get("Huber"), L.Huber)
    assert L.get(None) is None
    with pytest.raises(ValueError, match="Valid names"):
        L.get("msee")
    inst = L.get_loss("mse")
    assert isinstance(inst, L.LossFunctionWrapper) and inst.name == "mse"
    wrapped = L.get_loss(lambda yt, yp: (yt - yp).abs().sum(-1))
    close(wrapped(t(Y), t(P)), np.abs(Y - P).sum(-1).mean())
    ce = L.get_loss("crossentropy", torch.zeros(4), torch.zeros(4, 3))
    assert ce.fn is L.sparse_categorical_crossentropy
    cfg = L.serialize(L.CategoricalCrossentropy(label_smoothing=0.1))
    back = L.deserialize(cfg)
    assert isinstance(back, L.CategoricalCrossentropy) and back.label_smoothing == 0.1
    assert L.deserialize(L.serialize(L.huber)) is L.huber
