"""Normalization layers vs independent float64 numpy formulas (Keras 3 semantics)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from torchkeras.layers import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    UnitNormalization,
)

RNG = np.random.default_rng(1)


def rnd(*shape, scale=1.0, off=0.0):
    return (RNG.standard_normal(shape) * scale + off).astype(np.float32)


def run(layer, x, **kw):
    return layer(torch.from_numpy(x), **kw).detach().numpy()


def bn_ref(x, mean, var, gamma, beta, eps, axis):
    shape = [1] * x.ndim
    shape[axis] = -1
    x = x.astype(np.float64)
    return gamma.reshape(shape) * (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) + beta.reshape(shape)


def set_random_bn_weights(layer, c):
    w = [rnd(c, off=1.0), rnd(c), rnd(c), np.abs(rnd(c)) + 0.5]
    layer.set_weights(w)
    return [v.astype(np.float64) for v in w]


# ---------------------------------------------------------------- BatchNormalization
@pytest.mark.parametrize("shape,axis", [((16, 5), -1), ((4, 3, 5, 6), -1), ((4, 6, 5, 3), 1), ((3, 6, 4), -2)])
def test_bn_training_and_moving_stat_rule(shape, axis):
    layer = BatchNormalization(axis=axis, momentum=0.9)
    c = shape[axis]
    layer.build((None,) + shape[1:])
    gamma, beta, mm, mv = set_random_bn_weights(layer, c)
    red = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    for _ in range(3):
        x = rnd(*shape, scale=2.0, off=0.7)
        mean, var = x.astype(np.float64).mean(red), x.astype(np.float64).var(red)  # biased variance
        np.testing.assert_allclose(run(layer, x, training=True), bn_ref(x, mean, var, gamma, beta, 1e-3, axis),
                                   rtol=1e-5, atol=1e-5)
        mm, mv = mm * 0.9 + mean * 0.1, mv * 0.9 + var * 0.1
        np.testing.assert_allclose(layer.moving_mean.numpy(), mm, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(layer.moving_variance.numpy(), mv, rtol=1e-5, atol=1e-6)
    # The unbiased rule (torch's running_var) would give a visibly different value.
    n = np.prod([shape[i] for i in red])
    assert not np.allclose(mv, mv - 0.1 * var + 0.1 * var * n / (n - 1), rtol=1e-7, atol=0)
    x = rnd(*shape)
    np.testing.assert_allclose(run(layer, x, training=False), bn_ref(x, mm, mv, gamma, beta, 1e-3, axis),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(run(layer, x), bn_ref(x, mm, mv, gamma, beta, 1e-3, axis), rtol=1e-5, atol=1e-5)


def test_bn_frozen_layer_uses_moving_stats_in_training():
    layer = BatchNormalization()
    layer.build((None, 4))
    gamma, beta, mm, mv = set_random_bn_weights(layer, 4)
    layer.trainable = False
    x = rnd(8, 4, off=3.0)
    np.testing.assert_allclose(run(layer, x, training=True), bn_ref(x, mm, mv, gamma, beta, 1e-3, -1),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), mm.astype(np.float32))
    np.testing.assert_array_equal(layer.moving_variance.numpy(), mv.astype(np.float32))
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_bn_weights_order_and_flags():
    layer = BatchNormalization()
    layer.build((None, 3, 7))
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.shape for w in layer.weights] == [(7,)] * 4
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones(7))
    np.testing.assert_array_equal(layer.get_weights()[3], np.ones(7))
    for center, scale, names in [(False, True, ["gamma"]), (True, False, ["beta"]), (False, False, [])]:
        layer = BatchNormalization(center=center, scale=scale)
        layer.build((None, 5))
        assert [w.name for w in layer.weights] == names + ["moving_mean", "moving_variance"]


def test_bn_center_scale_false_formula():
    layer = BatchNormalization(center=False, scale=False, epsilon=1e-5)
    x = rnd(10, 3, off=2.0)
    ref = bn_ref(x, x.mean(0).astype(np.float64), x.var(0).astype(np.float64), np.ones(3), np.zeros(3), 1e-5, -1)
    np.testing.assert_allclose(run(layer, x, training=True), ref, rtol=1e-5, atol=1e-5)


def test_bn_masked_moments():
    layer = BatchNormalization(momentum=0.5)
    x = rnd(4, 6, 3, off=1.0)
    mask = RNG.random((4, 6)) > 0.4
    sel = x[mask].astype(np.float64)
    count = mask.sum() + 1e-7
    mean = sel.sum(0) / count
    var = ((sel - mean) ** 2).sum(0) / count
    out = run(layer, x, training=True, mask=torch.from_numpy(mask))
    np.testing.assert_allclose(out, bn_ref(x, mean, var, np.ones(3), np.zeros(3), 1e-3, -1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.5 + 0.5 * var, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="one dimension less"):
        layer(torch.from_numpy(x), training=True, mask=torch.ones(4, 6, 3, dtype=torch.bool))


def test_bn_training_gradients_match_torch_reference():
    x = rnd(6, 4, 5, off=0.5)
    r = torch.from_numpy(rnd(6, 4, 5))
    layer = BatchNormalization(axis=1)
    layer.build((None, 4, 5))
    gamma, beta, _, _ = set_random_bn_weights(layer, 4)
    xt = torch.from_numpy(x).requires_grad_()
    (layer(xt, training=True) * r).sum().backward()
    xr = torch.from_numpy(x).double().requires_grad_()
    g, b = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    (F.batch_norm(xr, None, None, g, b, True, 0.0, 1e-3) * r.double()).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.gamma.param.grad.numpy(), g.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.beta.param.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_bn_renorm_first_step():
    # With renorm statistics at their init (mean 0, stddev 1), r = std and d = mean, so the output is
    # gamma * x + beta; moving_variance = relu(stddev_new^2 - eps).
    layer = BatchNormalization(renorm=True, momentum=0.9)
    x = rnd(32, 3, scale=2.0, off=1.0)
    out = run(layer, x, training=True)
    np.testing.assert_allclose(out, x, rtol=1e-4, atol=1e-4)
    std = np.sqrt(x.astype(np.float64).var(0) + 1e-3)
    names = [w.name for w in layer.weights]
    assert names == ["gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean",
                     "renorm_stddev"]
    w = dict(zip(names, layer.get_weights()))
    new_std = 0.9 + 0.1 * std
    np.testing.assert_allclose(w["moving_stddev"], new_std, rtol=1e-5)
    np.testing.assert_allclose(w["moving_variance"], np.maximum(new_std ** 2 - 1e-3, 0), rtol=1e-5)
    np.testing.assert_allclose(w["renorm_stddev"], 0.99 + 0.01 * std, rtol=1e-5)


def test_bn_errors_and_config():
    with pytest.raises(ValueError, match="out of bounds"):
        BatchNormalization(axis=5)(torch.zeros(2, 3))
    with pytest.raises(IndexError):
        BatchNormalization(axis=-3)(torch.zeros(2, 3))
    with pytest.raises(TypeError):
        BatchNormalization(axis=[1])
    with pytest.raises(ValueError, match="momentum"):
        BatchNormalization(momentum="x")
    with pytest.raises(ValueError, match="renorm_clipping"):
        BatchNormalization(renorm=True, renorm_clipping={"foo": 1})
    layer = BatchNormalization(axis=1, momentum=0.8, epsilon=1e-4, center=False)
    cfg = layer.get_config()
    assert {"axis", "momentum", "epsilon", "center", "scale", "synchronized", "renorm", "renorm_clipping",
            "renorm_momentum", "moving_variance_initializer"} <= set(cfg)
    clone = BatchNormalization.from_config(cfg)
    assert (clone.axis, clone.momentum, clone.epsilon, clone.center) == (1, 0.8, 1e-4, False)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)
    built = BatchNormalization()
    built(torch.zeros(2, 3))
    with pytest.raises(ValueError):
        built(torch.zeros(2, 4))


# ---------------------------------------------------------------- LayerNormalization
def ln_ref(x, axes, gamma=None, beta=None, eps=1e-3, bshape=None):
    x = x.astype(np.float64)
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    out = (x - mean) / np.sqrt(var + eps)
    if gamma is not None:
        out = out * gamma.reshape(bshape)
    if beta is not None:
        out = out + beta.reshape(bshape)
    return out


@pytest.mark.parametrize("shape,axis,pos", [((4, 10), -1, [1]), ((3, 4, 5), [1, 2], [1, 2]),
                                            ((3, 4, 5, 6), [1, 3], [1, 3]), ((3, 4, 5), 1, [1]),
                                            ((3, 4, 5, 6), [1, -1], [1, 3])])
def test_layer_norm_matches_formula(shape, axis, pos):
    layer = LayerNormalization(axis=axis)
    x = rnd(*shape, scale=3.0, off=1.0)
    layer(torch.from_numpy(x))
    gshape = layer.gamma.shape
    gamma, beta = rnd(*gshape, off=1.0), rnd(*gshape)
    layer.set_weights([gamma, beta])
    bshape = [shape[i] if i in pos else 1 for i in range(len(shape))]
    # Keras builds gamma with the sizes of the axes sorted by raw value, then reshapes it.
    raw_sorted = sorted(axis) if isinstance(axis, list) else [axis]
    assert gshape == tuple(shape[a] for a in raw_sorted)
    np.testing.assert_allclose(run(layer, x), ln_ref(x, pos, gamma, beta, bshape=bshape), rtol=1e-5, atol=1e-5)


def test_layer_norm_options():
    x = rnd(3, 8, scale=2.0, off=1.0)
    np.testing.assert_allclose(run(LayerNormalization(center=False, scale=False, epsilon=1e-5), x),
                               ln_ref(x, [1], eps=1e-5), rtol=1e-5, atol=1e-5)
    with pytest.warns(UserWarning):
        layer = LayerNormalization(rms_scaling=True)
    out = run(layer, x)
    assert [w.name for w in layer.weights] == ["gamma"]
    ref = x / np.sqrt(x.astype(np.float64).var(1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError):
        LayerNormalization(axis="a")
    with pytest.raises(ValueError, match="out of bounds"):
        LayerNormalization(axis=5)(torch.zeros(2, 3))
    cfg = LayerNormalization(axis=[1, 2]).get_config()
    assert cfg["axis"] == [1, 2] and cfg["rms_scaling"] is False and cfg["epsilon"] == 1e-3


# ---------------------------------------------------------------- GroupNormalization
def gn_ref(x, groups, axis, gamma, beta, eps=1e-3):
    x = np.moveaxis(x.astype(np.float64), axis, -1)
    c = x.shape[-1]
    g = x.reshape(x.shape[:-1] + (groups, c // groups))
    red = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    out = (g - g.mean(red, keepdims=True)) / np.sqrt(g.var(red, keepdims=True) + eps)
    out = out.reshape(x.shape) * gamma + beta
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("shape,groups,axis", [((3, 4, 5, 6), 2, -1), ((5, 12), 3, -1), ((3, 7, 4), -1, -1),
                                               ((2, 8, 5, 3), 4, 1), ((2, 3, 6, 4), 2, -2), ((3, 4, 9), 1, -1)])
def test_group_norm_matches_formula(shape, groups, axis):
    layer = GroupNormalization(groups=groups, axis=axis)
    x = rnd(*shape, scale=2.0, off=0.5)
    layer(torch.from_numpy(x))
    c = shape[axis]
    gamma, beta = rnd(c, off=1.0), rnd(c)
    layer.set_weights([gamma, beta])
    g = c if groups == -1 else groups
    np.testing.assert_allclose(run(layer, x), gn_ref(x, g, axis, gamma, beta), rtol=1e-5, atol=1e-5)
    assert layer.get_config()["groups"] == g


def test_group_norm_errors():
    with pytest.raises(ValueError, match="divide"):
        GroupNormalization(groups=5)(torch.zeros(2, 12))
    with pytest.raises(ValueError, match="cannot be more than"):
        GroupNormalization(groups=24)(torch.zeros(2, 12))
    with pytest.raises(ValueError, match="groups"):
        GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="out of bounds"):
        GroupNormalization(groups=4, axis=5)(torch.zeros(2, 12))


# ---------------------------------------------------------------- UnitNormalization
def test_unit_normalization():
    x = rnd(4, 6)
    x[0] = 0
    out = run(UnitNormalization(), x)
    norms = np.sqrt((x.astype(np.float64) ** 2).sum(1, keepdims=True))
    np.testing.assert_allclose(out[1:], x[1:] / norms[1:], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[0], 0)
    x = rnd(3, 4, 5)
    ref = x / np.sqrt((x.astype(np.float64) ** 2).sum((1, 2), keepdims=True))
    np.testing.assert_allclose(run(UnitNormalization(axis=[1, 2]), x), ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError):
        UnitNormalization(axis="x")
    assert UnitNormalization(axis=[1, 2]).get_config()["axis"] == [1, 2]


def test_batchnorm_training_step_matches_numpy_formulas():
    # the fused (torch kernel) training path: output from the biased batch variance, Keras's moving
    # statistics update with the biased variance, gradients as the formula's
    import numpy as np
    import torch

    from torchkeras import layers as L
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((6, 4, 4, 3)) * 2 + 1).astype(np.float32)
    bn = L.BatchNormalization(momentum=0.9, epsilon=1e-3)
    bn.build((None, 4, 4, 3))
    xt = torch.from_numpy(x).requires_grad_(True)
    y = bn(xt, training=True)
    mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
    np.testing.assert_allclose(y.detach().numpy(), (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    y[..., 0].sum().backward()  # d/dx of the sum of a normalised channel is 0
    np.testing.assert_allclose(xt.grad.numpy(), 0, atol=1e-5)


@pytest.mark.parametrize("channels", [3, 8, 32])
def test_batchnorm_training_nhwc_matches_formula_with_gradients(channels):
    # Fewer than 16 channels take a channels-first copy on CPU (speed); values, gradients and the moving
    # statistics must equal the batch-norm formula computed in float64.
    rng = np.random.default_rng(channels)
    x = torch.tensor(rng.normal(size=(4, 5, 6, channels)), dtype=torch.float32, requires_grad=True)
    g = torch.tensor(rng.normal(size=(4, 5, 6, channels)), dtype=torch.float32)
    layer = BatchNormalization(momentum=0.9, epsilon=1e-3)
    layer.build(tuple(x.shape))
    gamma = rng.uniform(0.5, 1.5, channels)
    beta = rng.normal(size=channels)
    layer.set_weights([gamma, beta, np.zeros(channels), np.ones(channels)])
    y = layer(x, training=True)
    (y * g).sum().backward()
    xd = x.detach().double().requires_grad_(True)
    mean, var = xd.mean((0, 1, 2)), xd.var((0, 1, 2), unbiased=False)
    want = (xd - mean) / torch.sqrt(var + 1e-3) * torch.tensor(gamma) + torch.tensor(beta)
    (want * g.double()).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), xd.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert y.is_contiguous()
    moving_mean, moving_var = layer.get_weights()[2:]
    np.testing.assert_allclose(moving_mean, 0.1 * mean.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(moving_var, 0.9 + 0.1 * var.detach().numpy(), rtol=1e-5, atol=1e-6)
