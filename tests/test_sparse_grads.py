"""Embedding gradients reach torchkeras's optimizers one row per id occurrence, as tf.keras's
IndexedSlices do (the tf.keras side is compared in conformance/cases/training.py): here the
expected values come from numpy formulas over the occurrences, and the fallbacks to the dense
rule are checked for every way the recorded rows stop describing the gradient."""

import numpy as np
import pytest
import torch

import torchkeras as keras
import torchkeras.optimizers as tko
from torchkeras import sparse_grads

f = np.float32
IDS = np.array([[1, 1, 2], [1, 0, 2]])          # id 1 three times, id 2 twice, id 0 once
W0 = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6], [0.7, 0.8]], f)
C = np.arange(1, 13, dtype=f).reshape(2, 3, 2) / f(10)    # d loss / d output, one row per token


def occurrence_sums():
    rows, ids = C.reshape(-1, 2), IDS.reshape(-1)
    summed, squares, absolute = (np.zeros_like(W0) for _ in range(3))
    for i, r in zip(ids, rows):
        summed[i] += r
        squares[i] += r * r
        absolute[i] += np.abs(r)
    return summed, squares, absolute


def embedding_layer():
    layer = keras.layers.Embedding(4, 2)
    layer.build((None, 3))
    layer.set_weights([W0])
    return layer


def backward(layer, extra=None):
    out = layer(torch.as_tensor(IDS))
    loss = (out * torch.as_tensor(C)).sum()
    if extra is not None:
        loss = loss + extra(layer.embeddings.value)
    loss.backward()


def step(optimizer, extra=None):
    layer = embedding_layer()
    backward(layer, extra)
    optimizer.apply([layer.embeddings.value.grad], [layer.embeddings])
    return layer.get_weights()[0]


def test_dense_gradient_is_unchanged():
    layer = embedding_layer()
    backward(layer)
    np.testing.assert_allclose(layer.embeddings.value.grad.numpy(), occurrence_sums()[0], rtol=1e-6)


def test_adam_second_moment_sums_squares_per_occurrence():
    g, s, _ = occurrence_sums()
    lr, b1, b2, eps = f(0.1), f(0.9), f(0.999), f(1e-7)
    m, v = (1 - b1) * g, (1 - b2) * s
    alpha = lr * np.sqrt(1 - b2) / (1 - b1)
    expected = W0 - m * alpha / (np.sqrt(v) + eps)
    np.testing.assert_allclose(step(tko.Adam(0.1)), expected, rtol=1e-5, atol=2e-6)
    # Not the dense rule: the rows with repeats would move by exactly lr there.
    dense = W0 - f(0.1) * np.sign(g)
    assert np.abs(step(tko.Adam(0.1)) - dense)[1:].max() > 1e-3


def test_rmsprop_adagrad_nadam_ftrl_use_the_occurrence_squares():
    g, s, _ = occurrence_sums()
    rho, eps = f(0.9), f(1e-7)
    np.testing.assert_allclose(step(tko.RMSprop(0.01)), W0 - f(0.01) * g / np.sqrt((1 - rho) * s + eps),
                               rtol=1e-5, atol=2e-6)
    acc = f(0.1) + s
    np.testing.assert_allclose(step(tko.Adagrad(0.05)), W0 - f(0.05) * g / np.sqrt(acc + eps),
                               rtol=1e-5, atol=2e-6)


def test_adamax_takes_the_sum_of_absolute_occurrences():
    g, _, a = occurrence_sums()
    lr, b1 = f(0.01), f(0.9)
    m, u = (1 - b1) * g, a
    expected = W0 - lr * m / ((1 - b1) * (u + f(1e-7)))
    np.testing.assert_allclose(step(tko.Adamax(0.01)), expected, rtol=1e-5, atol=2e-6)


def test_clipvalue_clips_each_occurrence_and_clipnorm_measures_them():
    rows, ids = C.reshape(-1, 2), IDS.reshape(-1)
    clipped = np.zeros_like(W0)
    for i, r in zip(ids, np.clip(rows, -0.25, 0.25)):
        clipped[i] += r
    np.testing.assert_allclose(step(tko.SGD(1.0, clipvalue=0.25)), W0 - clipped, rtol=1e-6)
    g = occurrence_sums()[0]
    norm = np.sqrt((rows * rows).sum())          # over the occurrences, not the summed rows
    np.testing.assert_allclose(step(tko.SGD(1.0, clipnorm=0.5)), W0 - g * f(0.5) / norm, rtol=1e-5)


def test_linear_rules_see_the_summed_rows():
    g = occurrence_sums()[0]
    np.testing.assert_allclose(step(tko.SGD(0.5, momentum=0.9)), W0 - f(0.5) * g, rtol=1e-6)


def adam_first_step(g, s, lr=f(0.1)):
    b1, b2 = f(0.9), f(0.999)
    alpha = lr * np.sqrt(1 - b2) / (1 - b1)
    return W0 - (1 - b1) * g * alpha / (np.sqrt((1 - b2) * s) + f(1e-7))


@pytest.mark.parametrize("how", ["shared_layer", "two_backwards"])
def test_several_lookups_pool_their_occurrences(how):
    layer = embedding_layer()
    if how == "shared_layer":   # one layer called twice in one graph (a siamese model)
        ids = torch.as_tensor(IDS)
        loss = (layer(ids) * torch.as_tensor(C)).sum() + (layer(ids.flip(1)) * torch.as_tensor(C)).sum()
        loss.backward()
        flipped = C[:, ::-1].reshape(-1, 2)
    else:                       # gradients accumulated over two backwards before one step
        backward(layer)
        backward(layer)
        flipped = None
    tko.Adam(0.1).apply([layer.embeddings.value.grad], [layer.embeddings])
    ids = np.concatenate([IDS.reshape(-1), IDS.reshape(-1)])
    rows = np.concatenate([C.reshape(-1, 2), C.reshape(-1, 2) if flipped is None else flipped])
    g, s = np.zeros_like(W0), np.zeros_like(W0)
    for i, r in zip(ids, rows):
        g[i] += r
        s[i] += r * r
    np.testing.assert_allclose(layer.get_weights()[0], adam_first_step(g, s), rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("case", ["tied", "inplace"])
def test_dense_rule_when_the_rows_no_longer_describe_the_gradient(case):
    layer = embedding_layer()
    if case == "tied":                                # a second use of the weight in the graph
        backward(layer, extra=lambda w: (w * 0.5).sum())
    else:
        backward(layer)
        layer.embeddings.value.grad.mul_(2.0)       # e.g. a hand-written clip_grad_norm_
    grad = layer.embeddings.value.grad.clone()
    tko.Adam(0.1).apply([layer.embeddings.value.grad], [layer.embeddings])
    # Adam's first step under the dense rule moves every coordinate with a gradient by lr.
    moved = W0 - layer.get_weights()[0]
    np.testing.assert_allclose(moved, f(0.1) * np.sign(grad.numpy()), rtol=1e-4, atol=1e-6)


def test_fit_applies_the_occurrence_rule():
    model = keras.Sequential([keras.Input((3,), dtype="int64"), keras.layers.Embedding(4, 1),
                              keras.layers.Flatten(), keras.layers.Dense(1, use_bias=False, trainable=False)])
    model.set_weights([np.zeros((4, 1), f), np.ones((3, 1), f)])
    model.compile(tko.Adam(0.1), "mae")
    model.fit(np.array([[1, 1, 2]]), np.array([[5.0]]), epochs=1, verbose=0)
    # d mae / d row: id 1 appears twice with gradient -1 each: v = 0.001 * 2 (not 0.001 * 4).
    alpha = f(0.1) * np.sqrt(f(1) - f(0.999)) / (f(1) - f(0.9))
    m1, v1 = f(0.1) * f(-2), f(0.001) * f(2)
    expected_row1 = -(m1 * alpha / (np.sqrt(v1) + f(1e-7)))
    np.testing.assert_allclose(model.get_weights()[0][1, 0], expected_row1, rtol=1e-5)


def test_torch_optimizers_and_inference_are_untouched():
    layer = embedding_layer()
    with torch.no_grad():
        before = len(sparse_grads._PENDING)
        layer(torch.as_tensor(IDS))
        assert len(sparse_grads._PENDING) == before
    backward(layer)
    opt = torch.optim.SGD(layer.parameters(), lr=1.0)
    opt.step()
    np.testing.assert_allclose(layer.get_weights()[0], W0 - occurrence_sums()[0], rtol=1e-6)


def test_pending_rows_of_dropped_layers_are_purged():
    sparse_grads.clear()
    for _ in range(80):
        backward(embedding_layer())
    assert len(sparse_grads._PENDING) <= 65


def test_rows_of_an_unused_backward_are_dropped_when_the_gradient_was_cleared():
    # A backward whose gradient nobody applied (then cleared), followed by the real one: only the
    # latest rows describe the gradient, so the occurrence rule still applies.
    layer = embedding_layer()
    backward(layer)
    layer.embeddings.value.grad = None
    backward(layer)
    tko.Adam(0.1).apply([layer.embeddings.value.grad], [layer.embeddings])
    g, s, _ = occurrence_sums()
    np.testing.assert_allclose(layer.get_weights()[0], adam_first_step(g, s), rtol=1e-5, atol=2e-6)
