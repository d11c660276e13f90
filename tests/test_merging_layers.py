"""Merging layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) and their
functional forms, against numpy references and Keras 3.15's shape, mask and error rules."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers as L

rng = np.random.default_rng(0)


def rand(*shape):
    return rng.standard_normal(shape).astype("float32")


def run(layer, xs, masks=None):
    ts = [torch.as_tensor(x) for x in xs]
    for t, m in zip(ts, masks or []):
        if m is not None:
            t._keras_mask = torch.as_tensor(m)
    return layer(ts)


ELEMENTWISE = [
    (L.Add, keras.layers.add, lambda xs: sum(xs)),
    (L.Multiply, keras.layers.multiply, lambda xs: np.prod(xs, axis=0)),
    (L.Average, keras.layers.average, lambda xs: sum(xs) / len(xs)),
    (L.Maximum, keras.layers.maximum, lambda xs: np.max(xs, axis=0)),
    (L.Minimum, keras.layers.minimum, lambda xs: np.min(xs, axis=0)),
]


@pytest.mark.parametrize("cls,fn,ref", ELEMENTWISE)
def test_elementwise_values_and_functional_form(cls, fn, ref):
    xs = [rand(4, 3, 5) for _ in range(3)]
    np.testing.assert_allclose(run(cls(), xs).detach().numpy(), ref(xs), rtol=1e-6)
    np.testing.assert_allclose(fn([torch.as_tensor(x) for x in xs]).detach().numpy(), ref(xs), rtol=1e-6)
    out = fn([keras.Input((3, 5)), keras.Input((3, 5))])
    assert out.shape == (None, 3, 5)


def test_subtract_needs_exactly_two_inputs():
    a, b = rand(2, 3), rand(2, 3)
    np.testing.assert_allclose(run(L.Subtract(), [a, b]).numpy(), a - b)
    np.testing.assert_allclose(keras.layers.subtract([torch.as_tensor(a), torch.as_tensor(b)]).numpy(), a - b)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        run(L.Subtract(), [a, b, a])


def test_broadcasting_of_lower_rank_and_size_one_axes():
    a, b, c = rand(2, 3, 4), rand(2, 4), rand(2, 1, 4)
    # Keras inserts the missing axes after the batch axis: (2, 4) acts as (2, 1, 4)
    np.testing.assert_allclose(run(L.Add(), [a, b]).numpy(), a + b[:, None, :], rtol=1e-6)
    np.testing.assert_allclose(run(L.Add(), [a, c]).numpy(), a + c, rtol=1e-6)
    assert L.Add().compute_output_shape([(None, 3, 4), (None, 4)]) == (None, 3, 4)
    assert L.Add().compute_output_shape([(None, 1, 4), (8, 3, 1)]) == (8, 3, 4)
    assert L.Add()([keras.Input((3, 4)), keras.Input((4,))]).shape == (None, 3, 4)


def test_merge_errors():
    with pytest.raises(ValueError, match=r"incompatible shapes.*\(3,\) and \(4,\)"):
        L.Add()([torch.zeros(2, 3), torch.zeros(2, 4)])
    with pytest.raises(ValueError, match="list of inputs"):
        L.Add()(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="different batch sizes"):
        L.Add()([keras.Input(batch_shape=(2, 3)), keras.Input(batch_shape=(4, 3))])


def test_masks_or_for_elementwise_layers():
    a, b = rand(2, 3, 4), rand(2, 3, 4)
    ma = np.array([[True, False, False], [True, True, False]])
    mb = np.array([[False, False, True], [True, False, False]])
    out = run(L.Add(), [a, b], [ma, mb])
    np.testing.assert_array_equal(out._keras_mask.numpy(), ma | mb)
    assert getattr(run(L.Add(), [a, b], [ma, None]), "_keras_mask", None) is None


def test_maximum_minimum_ignore_masked_entries():
    a, b = rand(2, 3, 4), rand(2, 3, 4)
    ma = np.array([[True, False, False], [True, True, False]])
    mb = np.array([[False, False, True], [True, False, True]])
    ea, eb = ma[..., None], mb[..., None]
    # a masked entry takes the other input's value; both valid -> max/min; both masked -> the first input
    for cls, op in ((L.Maximum, np.maximum), (L.Minimum, np.minimum)):
        ref = np.where(ea & eb, op(a, b), np.where(eb, b, a))
        np.testing.assert_allclose(run(cls(), [a, b], [ma, mb]).numpy(), ref)


def test_multiply_masks():
    a, b = rand(2, 3, 4), rand(2, 3, 4)
    ma = np.array([[True, False, False], [True, True, False]])
    mb = np.array([[False, False, True], [True, False, True]])
    ea, eb = ma[..., None], mb[..., None]
    ref = np.where(ea, a, 1) * np.where(eb, b, 1) * (ea | eb)
    out = run(L.Multiply(), [a, b], [ma, mb])
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)
    np.testing.assert_array_equal(out._keras_mask.numpy(), ma | mb)
    # one unmasked input: masked entries of the other count as 1, no output mask
    np.testing.assert_allclose(run(L.Multiply(), [a, b], [ma, None]).numpy(), np.where(ea, a, 1) * b, rtol=1e-6)


def test_concatenate_values_shapes_and_errors():
    a, b = rand(2, 3, 4), rand(2, 3, 2)
    np.testing.assert_array_equal(run(L.Concatenate(), [a, b]).numpy(), np.concatenate([a, b], -1))
    c = rand(2, 5, 4)
    np.testing.assert_array_equal(keras.layers.concatenate([torch.as_tensor(a), torch.as_tensor(c)], axis=1).numpy(),
                                  np.concatenate([a, c], 1))
    assert L.Concatenate().compute_output_shape([(None, 3, 4), (None, 3, 2)]) == (None, 3, 6)
    assert L.Concatenate(axis=1).compute_output_shape([(None, None, 4), (None, 3, 4)]) == (None, None, 4)
    assert keras.layers.concatenate([keras.Input((3, 4)), keras.Input((3, 2))]).shape == (None, 3, 6)
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        L.Concatenate()([keras.Input((3, 2)), keras.Input((4, 3))])
    with pytest.raises(ValueError, match="matching shapes"):
        L.Concatenate()([keras.Input((3, 2)), keras.Input((3,))])
    assert L.Concatenate(axis=1).get_config()["axis"] == 1


def test_concatenate_masks():
    a, b = rand(2, 3, 4), rand(2, 3, 2)
    ma = np.array([[True, False, True], [False, False, True]])
    out = run(L.Concatenate(), [a, b], [ma, None])
    # unmasked input counts as valid everywhere -> any over the feature axis is all True
    assert out._keras_mask.all()
    out = run(L.Concatenate(axis=1), [a, rand(2, 3, 4)], [ma, ma])
    np.testing.assert_array_equal(out._keras_mask.numpy(), np.concatenate([ma, ma], 1))


def np_batch_dot(x, y, ax, ay):
    out = np.stack([np.tensordot(x[i], y[i], axes=(ax - 1, ay - 1)) for i in range(len(x))])
    return out.reshape(len(x), 1) if out.ndim == 1 else out


@pytest.mark.parametrize("xs,ys,axes", [((4, 6), (4, 6), 1), ((2, 3, 5), (2, 10, 3), (1, 2)),
                                        ((2, 3, 5), (2, 4, 5), -1), ((2, 3, 5, 7), (2, 5, 4, 2), (2, 1)),
                                        ((2, 5), (2, 5, 4), (1, 1)), ((2, 5, 3), (2, 5), 1)])
def test_dot_matches_numpy(xs, ys, axes):
    x, y = rand(*xs), rand(*ys)
    pair = (axes, axes) if isinstance(axes, int) else axes
    ax, ay = (a % len(s) for a, s in zip(pair, (xs, ys)))
    ref = np_batch_dot(x, y, ax, ay)
    out = run(L.Dot(axes), [x, y])
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-5)
    shape = L.Dot(axes).compute_output_shape([(None,) + xs[1:], (None,) + ys[1:]])
    assert shape == (None,) + ref.shape[1:]


def test_dot_normalize_is_cosine_and_functional_default_axes():
    x, y = rand(4, 6), rand(4, 6)
    cos = (x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)
    out = keras.layers.dot([torch.as_tensor(x), torch.as_tensor(y)], axes=1, normalize=True)
    np.testing.assert_allclose(out.numpy(), cos[:, None], rtol=1e-5)
    out = keras.layers.dot([torch.as_tensor(x), torch.as_tensor(y)])  # axes=-1
    np.testing.assert_allclose(out.numpy(), (x * y).sum(1, keepdims=True), rtol=1e-5)


def test_dot_errors_and_config():
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        L.Dot(1)([keras.Input((3,)), keras.Input((4,))])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        L.Dot(1)([keras.Input((3,)), keras.Input((3,)), keras.Input((3,))])
    with pytest.raises(ValueError, match="axis 0"):
        L.Dot((0, 1))([keras.Input((3,)), keras.Input((3,))])
    with pytest.raises(TypeError):
        L.Dot("1")
    with pytest.raises(ValueError, match="two elements"):
        L.Dot((1, 2, 3))
    assert set(L.Dot(1).get_config()) == {"name", "trainable", "dtype", "axes", "normalize"}
    assert getattr(run(L.Dot(1), [rand(2, 3), rand(2, 3)], [np.ones(2, bool), np.ones(2, bool)]),
                   "_keras_mask", None) is None


@pytest.mark.parametrize("cls", [L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum, L.Minimum])
def test_config_round_trip(cls):
    cfg = cls(name="m").get_config()
    assert set(cfg) == {"name", "trainable", "dtype"}
    assert cls.from_config(cfg).name == "m"


def test_functional_model_with_merges():
    a, b = keras.Input((4,)), keras.Input((4,))
    s = keras.layers.concatenate([keras.layers.add([a, b]), keras.layers.multiply([a, b])])
    model = keras.Model([a, b], s)
    x, y = rand(3, 4), rand(3, 4)
    out = model([torch.as_tensor(x), torch.as_tensor(y)])
    np.testing.assert_allclose(out.detach().numpy(), np.concatenate([x + y, x * y], -1), rtol=1e-6)
