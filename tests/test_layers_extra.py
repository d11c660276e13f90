"""RMSNormalization, SpectralNormalization and adaptive pooling against independent numpy references."""

import math

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import initializers, layers


# ---------------------------------------------------------------- RMSNormalization
@pytest.mark.parametrize("axis,shape", [(-1, (3, 5)), ([-2, -1], (2, 3, 4)), ([-1, -2], (2, 3, 4)),
                                        ([1, 3], (2, 3, 4, 5))])
def test_rms_normalization_matches_numpy(axis, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    layer = layers.RMSNormalization(axis=axis, epsilon=1e-3)
    layer.build(shape)
    axes = tuple(sorted(a % len(shape) for a in ([axis] if isinstance(axis, int) else axis)))
    scale = np.random.default_rng(1).standard_normal(tuple(shape[a] for a in axes)).astype("float32")
    layer.set_weights([scale])
    bshape = [shape[d] if d in axes else 1 for d in range(len(shape))]
    ref = x / np.sqrt((x.astype(np.float64) ** 2).mean(axis=axes, keepdims=True) + 1e-3) * scale.reshape(bshape)
    np.testing.assert_allclose(layer(x).detach().numpy(), ref, rtol=1e-5, atol=1e-6)
    assert layer.get_config()["axis"] == sorted(axis if isinstance(axis, list) else [axis])
    assert layer.compute_output_shape(shape) == shape


def test_rms_normalization_half_precision_and_errors():
    layer = layers.RMSNormalization()
    x = torch.randn(4, 6, dtype=torch.float16)
    out = layer(x)
    assert out.dtype == torch.float16
    ref = x.float() / torch.sqrt(x.float().square().mean(-1, keepdim=True) + 1e-6)
    torch.testing.assert_close(out.float(), ref, atol=2e-3, rtol=2e-3)
    with pytest.raises(ValueError, match="out of bounds"):
        layers.RMSNormalization(axis=3).compute_output_shape((2, 3))


# ---------------------------------------------------------------- SpectralNormalization
def np_spectral(w, u, iters):
    def norm(a):
        return a / np.sqrt((a ** 2).sum())
    w2 = w.reshape(-1, w.shape[-1])
    for _ in range(iters):
        v = norm(u @ w2.T)
        u = norm(v @ w2)
    sigma = (v @ w2 @ u.T).item()
    return u, w / sigma


@pytest.mark.parametrize("make,shape", [(lambda: layers.Dense(3), (4, 5)),
                                        (lambda: layers.Conv2D(2, 3, padding="same"), (2, 5, 5, 3))])
@pytest.mark.parametrize("iters", [1, 4])
def test_spectral_normalization_training_update(make, shape, iters):
    sn = layers.SpectralNormalization(make(), power_iterations=iters)
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    before = sn(x).detach().numpy()
    kernel, u = sn.weights[0].numpy().astype(np.float64), sn.weights[1].numpy().astype(np.float64)
    np.testing.assert_allclose(sn(x, training=False).detach().numpy(), before)  # inference: untouched
    out = sn(x, training=True)
    u_ref, k_ref = np_spectral(kernel, u, iters)
    np.testing.assert_allclose(sn.kernel.numpy(), k_ref, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(sn.vector_u.detach().numpy(), u_ref, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out.detach().numpy(), sn.layer(x).detach().numpy(), atol=1e-6)
    out.sum().backward()
    assert sn.layer.weights[0].grad is not None and sn.vector_u.grad is None


def test_spectral_normalization_weights_config_and_save(tmp_path):
    sn = layers.SpectralNormalization(layers.Dense(2, kernel_regularizer="l2"))
    sn.build((None, 3))
    assert [w.name for w in sn.weights] == ["kernel", "vector_u", "bias"]
    assert [len(sn.trainable_weights), len(sn.non_trainable_weights)] == [2, 1]
    assert len(sn.losses) == 1  # the shared kernel's regularizer counts once
    assert sorted(sn.get_config()) == ["dtype", "layer", "name", "power_iterations", "trainable"]
    model = keras.Sequential([keras.Input((3,)), sn])
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    model(x, training=True)
    model.save(tmp_path / "sn.keras")
    loaded = keras.models.load_model(tmp_path / "sn.keras")
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_spectral_normalization_constant_kernel_and_errors():
    sn = layers.SpectralNormalization(layers.Conv2D(1, (2, 2), kernel_initializer=initializers.Constant(1)),
                                      power_iterations=8)
    ones = np.ones((1, 2, 2, 1), "float32")
    assert float(sn(ones, training=False).detach()) == 4.0
    np.testing.assert_allclose(float(sn(ones, training=True).detach()), 2.0, rtol=1e-5)  # sigma of ones(4, 1) is 2
    zero = layers.SpectralNormalization(layers.Dense(2, kernel_initializer="zeros"))
    zero(np.ones((1, 3), "float32"), training=True)
    assert not np.isnan(zero.kernel.numpy()).any()
    with pytest.raises(ValueError, match="`power_iterations` should be greater than zero"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="no attribute 'kernel' nor 'embeddings'"):
        layers.SpectralNormalization(layers.ReLU())(np.ones((4, 2), "float32"))


# ---------------------------------------------------------------- adaptive pooling
def np_adaptive(x, out, fn):
    """x channels_last (B, *S, C); bin i of an axis of length L covers [floor(iL/O), ceil((i+1)L/O))."""
    spatial = x.shape[1:-1]
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for idx in np.ndindex(*out):
        sl = tuple(slice(math.floor(i * n / o), math.ceil((i + 1) * n / o)) for i, n, o in zip(idx, spatial, out))
        window = x[(slice(None),) + sl + (slice(None),)]
        y[(slice(None),) + idx] = fn(window.reshape(x.shape[0], -1, x.shape[-1]), axis=1)
    return y


@pytest.mark.parametrize("kind,fn", [("Average", np.mean), ("Max", np.max)])
@pytest.mark.parametrize("shape,size", [((2, 10, 3), 4), ((2, 3, 2), 5), ((2, 7, 5, 2), (3, 2)),
                                        ((1, 5, 3, 2), (7, 4)), ((1, 5, 7, 4, 2), (2, 3, 3))])
def test_adaptive_pooling_matches_numpy(kind, fn, shape, size):
    r = len(shape) - 2
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    out_size = (size,) * r if isinstance(size, int) else size
    ref = np_adaptive(x.astype(np.float64), out_size, fn)
    layer = getattr(layers, f"Adaptive{kind}Pooling{r}D")(size)
    np.testing.assert_allclose(layer(x).detach().numpy(), ref, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape(shape) == (shape[0],) + out_size + (shape[-1],)
    cf = getattr(layers, f"Adaptive{kind}Pooling{r}D")(size, data_format="channels_first")
    xc = np.moveaxis(x, -1, 1)
    np.testing.assert_allclose(cf(xc).detach().numpy(), np.moveaxis(ref, -1, 1), rtol=1e-5, atol=1e-6)
    assert cf.get_config()["output_size"] == out_size


def test_adaptive_pooling_argument_errors():
    with pytest.raises(ValueError, match="For 1D input, `output_size` tuple must have length 1"):
        layers.AdaptiveAveragePooling1D((2, 3))
    with pytest.raises(TypeError, match="must be an integer or"):
        layers.AdaptiveMaxPooling2D((2, 3, 4))
    with pytest.raises(TypeError, match="must be an integer or"):
        layers.AdaptiveMaxPooling3D("2")
    with pytest.raises(ValueError, match="ndim"):
        layers.AdaptiveAveragePooling2D(2)(np.zeros((2, 4, 3), "float32"))
