"""keras.ops core: control flow, scatter/slice updates, casts, custom gradients, keras.tree, keras.random."""

import collections

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import ops, tree
from torchkeras import random as krandom


def test_scan_and_loops():
    xs = torch.arange(1.0, 6.0)
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), torch.tensor(0.0), xs)
    assert float(carry) == 15.0 and ys.tolist() == [0.0, 2.0, 9.0, 24.0, 50.0]
    carry, ys = ops.scan(lambda c, x: (c + x, c), torch.tensor(0.0), xs, reverse=True)
    assert ys.tolist() == [14.0, 12.0, 9.0, 5.0, 0.0]
    carry, ys = ops.scan(lambda c, _: (c * 2, None), torch.tensor(1.0), length=4)
    assert float(carry) == 16.0 and ys is None
    assert ops.fori_loop(0, 5, lambda i, v: v + i, 0) == 10
    assert ops.while_loop(lambda a, b: a < 10, lambda a, b: (a + 1, b * 2), (0, 1)) == (10, 1024)
    assert int(ops.while_loop(lambda a: a < 10, lambda a: a + 3, 0)) == 12
    assert ops.while_loop(lambda a: a < 10, lambda a: a + 1, 0, maximum_iterations=4) == 4
    assert ops.switch(5, [lambda x: x + 1, lambda x: x * 10], 3) == 30


def test_associative_scan_and_maps():
    x = np.arange(1.0, 7.0, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(ops.associative_scan(lambda a, b: a + b, x, axis=1), np.cumsum(x, 1))
    np.testing.assert_allclose(ops.associative_scan(lambda a, b: a * b, x, reverse=True, axis=0),
                               np.cumprod(x[::-1], 0)[::-1])
    out = ops.associative_scan(lambda a, b: {"s": a["s"] + b["s"]}, {"s": x[0]})
    np.testing.assert_allclose(out["s"], np.cumsum(x[0]))
    np.testing.assert_allclose(ops.map(lambda r: r.sum(), x), x.sum(1))
    np.testing.assert_allclose(ops.vectorized_map(lambda r: r * 2, torch.tensor(x)), x * 2)
    np.testing.assert_allclose(ops.vectorize(lambda a, b: a * b)(x, x[0]), x * x[0])


def test_custom_gradient():
    @ops.custom_gradient
    def clipped(v):
        def grad(*args, upstream=None):
            return torch.clamp(upstream, -0.5, 0.5)
        return v * 3.0, grad

    v = torch.tensor([1.0, 2.0], requires_grad=True)
    clipped(v).sum().backward()
    assert v.grad.tolist() == [0.5, 0.5]


def test_scatter_slice_and_casts():
    out = ops.scatter(np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0], "float32"), (3, 4))
    ref = np.zeros((3, 4), "float32")
    ref[0, 1], ref[2, 3] = 4.0, 2.0
    np.testing.assert_allclose(out, ref)
    base = np.zeros((3, 3), "float32")
    upd = ops.scatter_update(base, np.array([[1, 1], [0, 2]]), np.array([5.0, 6.0], "float32"))
    assert upd[1, 1] == 5.0 and upd[0, 2] == 6.0 and float(upd.sum()) == 11.0
    added = ops.scatter_update(np.ones((2, 2), "float32"), np.array([[0, 0], [0, 0]]), np.array([2.0, 3.0], "float32"),
                               reduction="add")
    assert added[0, 0] == 6.0
    sl = ops.slice_update(base, (1, 0), np.ones((2, 2), "float32"))
    assert float(sl.sum()) == 4.0 and float(sl[0].sum()) == 0.0
    assert ops.saturate_cast(np.array([-5.0, 300.0]), "uint8").tolist() == [0, 255]
    assert ops.saturate_cast(np.array([1e10, -1e10], "float32"), "int32").tolist() == [2**31 - 128, -2**31]
    with pytest.raises(ValueError):
        ops.scatter_update(base, np.array([[0, 0]]), np.array([1.0], "float32"), reduction="bad")


def test_signal_and_segment_ops():
    x = np.random.default_rng(0).normal(size=(2, 64)).astype("float32")
    real, imag = ops.stft(x, 16, 8, 16)
    back = ops.istft((real, imag), 16, 8, 16, length=64)
    np.testing.assert_allclose(back, x, atol=1e-5)
    re, im = ops.rfft(x)
    np.testing.assert_allclose(re.numpy() + 1j * im.numpy(), np.fft.rfft(x), atol=1e-4)
    seg = ops.segment_max(np.array([1.0, 5.0, 2.0, 7.0], "float32"), np.array([0, 0, 1, 1]), 2)
    assert seg.tolist() == [5.0, 7.0]
    assert ops.in_top_k(np.array([1, 0]), np.array([[0.1, 0.5, 0.4], [0.2, 0.3, 0.5]], "float32"), 1).tolist() == \
        [True, False]
    assert tuple(ops.rearrange(np.zeros((2, 6, 4)), "b (h w) c -> b h w c", h=2).shape) == (2, 2, 3, 4)


def test_tree_utilities():
    Point = collections.namedtuple("Point", ["y", "x"])
    s = {"b": [1, (2, 3)], "a": Point(4, 5)}
    assert tree.flatten(s) == [4, 5, 1, 2, 3]
    assert tree.flatten(None) == [None] and not tree.is_nested("ab") and tree.is_nested([])
    assert tree.flatten(collections.OrderedDict([("b", 1), ("a", 2)])) == [1, 2]
    assert tree.map_structure(lambda v: v * 10, s)["b"][1] == (20, 30)
    assert tree.map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)]) == [11, (22,)]
    assert tree.pack_sequence_as(s, list(range(5)))["a"] == Point(0, 1)
    assert tree.flatten_with_path({"k": [7, 8]}) == [(("k", 0), 7), (("k", 1), 8)]
    assert tree.lists_to_tuples([1, [2, [3]]]) == (1, (2, (3,)))
    assert tree.map_shape_structure(len, {"a": (1, None), "b": [(2,), (3, 4, 5)]}) == {"a": 2, "b": [1, 3]}
    assert tree.map_structure_up_to([None, None], len, [[1, 1], [2, 2, 2]]) == [2, 3]
    assert tree.traverse(lambda v: tree.MAP_TO_NONE if v == 2 else None, [1, [2]]) == [1, [None]]
    tree.assert_same_paths([0, 1], (2, 3))
    with pytest.raises(ValueError):
        tree.assert_same_structure([1, 2], (1, 2))
    with pytest.raises(ValueError):
        tree.assert_same_paths([0], [0, 1])
    assert keras.tree is tree


def test_random_distributions_have_the_right_moments():
    g = krandom.gamma((40000,), 3.0, seed=1)
    b = krandom.beta((40000,), 2.0, 5.0, seed=2)
    n = krandom.binomial((40000,), 10, 0.3, seed=3)
    assert abs(float(g.mean()) - 3.0) < 0.05 and abs(float(g.var()) - 3.0) < 0.15
    assert abs(float(b.mean()) - 2 / 7) < 0.01
    assert abs(float(n.mean()) - 3.0) < 0.05 and abs(float(n.var()) - 2.1) < 0.1
    assert n.dtype == torch.float32 and torch.equal(krandom.gamma((5,), 2.0, seed=9), krandom.gamma((5,), 2.0, seed=9))
