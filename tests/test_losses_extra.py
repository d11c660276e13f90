"""Dice, Tversky, Circle, CTC and generalized crossentropy: numpy references and configs."""

import itertools
import math

import numpy as np
import pytest
import torch

from torchkeras import losses

rng = np.random.default_rng(1)


def test_dice_and_tversky_formulas():
    y = rng.integers(0, 2, (4, 6)).astype(np.float32)
    p = rng.random((4, 6)).astype(np.float32)
    inter = (y * p).sum()
    np.testing.assert_allclose(losses.Dice()(y, p), 1 - 2 * inter / (y.sum() + p.sum() + 1e-7),
                               rtol=1e-6)
    per = 1 - 2 * (y * p).sum(-1) / (y.sum(-1) + p.sum(-1) + 1e-7)
    np.testing.assert_allclose(losses.Dice(axis=-1, reduction=None)(y, p), per, rtol=1e-6)
    fp, fn = ((1 - p) * y).sum(1), (p * (1 - y)).sum(1)
    tp = (y * p).sum(1)
    ref = 1 - tp / (tp + 0.2 * fp + 0.8 * fn + 1e-7)
    np.testing.assert_allclose(losses.tversky(y, p, alpha=0.2, beta=0.8, axis=1), ref, rtol=1e-6)
    assert losses.Tversky(alpha=0.2, beta=0.8, axis=1).get_config() == {
        "name": "tversky", "reduction": "sum_over_batch_size", "alpha": 0.2, "beta": 0.8,
        "axis": 1}
    assert losses.get("dice") is losses.dice


def test_categorical_generalized_cross_entropy():
    labels = rng.integers(0, 4, 8)
    p = rng.dirichlet(np.ones(4), 8).astype(np.float32)
    ref = (1 - p[np.arange(8), labels] ** 0.3) / 0.3
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(labels, p, q=0.3),
                               ref, rtol=1e-6)
    np.testing.assert_allclose(losses.CategoricalGeneralizedCrossEntropy(q=0.3)(labels, p),
                               ref.mean(), rtol=1e-6)
    with pytest.raises(ValueError, match="interval"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)


def _circle_reference(labels, emb, gamma, margin):
    dist = np.maximum(1 - emb @ emb.T, 0)
    n = len(labels)
    out = []
    for i in range(n):
        pos = [j for j in range(n) if labels[j] == labels[i] and j != i]
        neg = [j for j in range(n) if labels[j] != labels[i]]
        lp = [-gamma * max(margin + dist[i, j], 0) * (margin - dist[i, j]) for j in pos]
        ln = [gamma * max(1 + margin - dist[i, j], 0) * (1 - margin - dist[i, j]) for j in neg]
        lse = lambda v: -np.inf if not v else np.log(np.sum(np.exp(v)))  # noqa: E731
        out.append(np.logaddexp(0, lse(lp) + lse(ln)))
    return np.array(out)


def test_circle_per_sample_and_mask():
    labels = np.array([0, 0, 1, 1, 2, 2], dtype=np.int32)
    emb = rng.normal(size=(6, 5))
    emb = (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)
    ref = _circle_reference(labels, emb.astype(np.float64), 10.0, 0.3)
    out = losses.circle(labels, emb, gamma=10.0, margin=0.3)
    np.testing.assert_allclose(out, ref, rtol=1e-4)
    assert out._keras_mask.dtype == torch.bool
    assert losses.Circle().get_config()["gamma"] == 80.0


def _ctc_reference(labels, logits):
    """-log p(labels | logits) by enumerating every alignment (blank 0, collapse repeats)."""
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    total = 0.0
    for path in itertools.product(range(logits.shape[1]), repeat=logits.shape[0]):
        collapsed = [k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k)]
        if collapsed == list(labels):
            total += math.exp(sum(logp[t, k] for t, k in enumerate(path)))
    return -math.log(total)


def test_ctc_against_alignment_enumeration():
    logits = rng.normal(size=(2, 4, 3)).astype(np.float32)
    y = np.array([[1, 2, 0], [2, 2, 0]], dtype=np.int32)
    out = losses.ctc(y, logits)
    ref = [_ctc_reference([1, 2], logits[0].astype(np.float64)),
           _ctc_reference([2, 2], logits[1].astype(np.float64))]
    np.testing.assert_allclose(out, ref, rtol=1e-5)
    np.testing.assert_allclose(losses.CTC()(y, logits), np.mean(ref), rtol=1e-5)
    with pytest.raises(ValueError, match="max_length"):
        losses.ctc(np.ones((2, 3, 1)), logits)
