"""Behaviours Keras's own layer tests require (noise layers' SeedGenerators and noise_shape errors,
UpSampling2D's resize interpolations, LayerNormalization on another rank, GroupNormalization's error,
wrapped layers and cells revived built). Expected values come from numpy formulas or Keras's messages."""

import numpy as np
import pytest
import torch

from torchkeras import layers, ops
from torchkeras.random import SeedGenerator


@pytest.mark.parametrize("make", [lambda r: layers.Dropout(r), lambda r: layers.GaussianDropout(r),
                                  lambda r: layers.AlphaDropout(r), lambda r: layers.GaussianNoise(r),
                                  lambda r: layers.SpatialDropout1D(r)])
def test_noise_layers_own_one_seed_generator_when_active(make):
    assert isinstance(make(0.3).seed_generator, SeedGenerator)
    assert make(0.0).seed_generator is None  # as Keras: rate/stddev 0 draws nothing


def test_unseeded_generators_follow_torch_manual_seed():
    def draw():
        torch.manual_seed(0)
        mha_like = layers.Dropout(0.5)
        cell = layers.SimpleRNNCell(2, dropout=0.5)
        return [g.next() for g in (mha_like.seed_generator, cell.seed_generator)]
    assert draw() == draw()


def test_seeded_dropout_is_reproducible_and_scales():
    x = np.ones((20, 500), "float32")
    a = layers.Dropout(0.5, seed=7)(x, training=True).numpy()
    b = layers.Dropout(0.5, seed=7)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 2.0}
    layer = layers.Dropout(0.5, seed=7)
    first, second = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert not np.array_equal(first, second)  # the layer's stream advances between calls


@pytest.mark.parametrize("noise_shape, message", [
    ((20, 1.5, 10), "Expected all elements to be integers or None"),
    ((20, -1, 10), "Expected all dimensions to be positive integers or None"),
    ((20, 0, 10), "Expected all dimensions to be positive integers or None"),
    ("bad", "Expected a tuple or list of integers"),
])
def test_dropout_noise_shape_errors_use_keras_wording(noise_shape, message):
    with pytest.raises(ValueError, match=message):
        layers.Dropout(0.5, noise_shape=noise_shape)


def test_rnn_cells_own_a_seed_generator_and_seeded_masks_repeat():
    cells = [layers.SimpleRNNCell(3, dropout=0.1), layers.LSTMCell(3), layers.GRUCell(3)]
    assert all(isinstance(c.seed_generator, SeedGenerator) for c in cells)
    x = np.ones((4, 5, 6), "float32")
    outs = []
    for _ in range(2):
        layer = layers.SimpleRNN(3, dropout=0.5, seed=11, kernel_initializer="ones",
                                 recurrent_initializer="zeros")
        outs.append(layer(x, training=True).detach().numpy())
    np.testing.assert_array_equal(outs[0], outs[1])


def _keys_cubic(t, a=-0.5):
    t = np.abs(t)
    return np.where(t <= 1, (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1,
                    np.where(t < 2, a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a, 0.0))


def _tf_bicubic_matrix(n_in, n_out):
    # TF's ResizeBicubic: half-pixel centres, Keys a=-0.5 read from a 1024-entry table (the offset
    # rounded to 1/1024), taps outside the image dropped and the others renormalised.
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        c = (i + 0.5) * n_in / n_out - 0.5
        base = int(np.floor(c))
        q = np.round((c - base) * 1024) / 1024
        taps = np.arange(base - 1, base + 3)
        k = _keys_cubic(base + q - taps)
        inside = (taps >= 0) & (taps < n_in)
        w[i, taps[inside]] = k[inside] / k[inside].sum()
    return w


def test_upsampling2d_bicubic_matches_tf_kernel_formula():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 2)).astype("float32")
    out = layers.UpSampling2D(size=(2, 3), interpolation="bicubic")(x).numpy()
    expected = np.einsum("ih,jw,bhwc->bijc", _tf_bicubic_matrix(3, 6), _tf_bicubic_matrix(4, 12), x)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    cf = layers.UpSampling2D(size=(2, 3), interpolation="bicubic", data_format="channels_first")(
        np.transpose(x, (0, 3, 1, 2))).numpy()
    np.testing.assert_allclose(np.transpose(cf, (0, 2, 3, 1)), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("interpolation", ["area", "lanczos3", "lanczos5"])
def test_upsampling2d_other_interpolations_keep_constant_images(interpolation):
    x = np.full((1, 3, 3, 2), 4.0, "float32")
    out = layers.UpSampling2D(size=2, interpolation=interpolation)(x).numpy()
    assert out.shape == (1, 6, 6, 2)
    np.testing.assert_allclose(out, 4.0, rtol=1e-5)


def test_upsampling2d_rejects_unknown_interpolation():
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="gaussian")


def test_layer_normalization_built_on_one_rank_normalises_another():
    layer = layers.LayerNormalization(gamma_initializer="ones", beta_initializer="zeros")
    layer.build((2, 2, 2))
    x = np.random.default_rng(1).normal(5.0, 10.0, size=(6, 2, 2, 2)).astype("float32")
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(layer(x).detach().numpy(), (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match=r"built for normalized axes \[-1\] of sizes \(2,\)"):
        layer(np.zeros((4, 3), "float32"))


def test_layer_normalization_same_rank_wrong_size_is_a_clear_error():
    layer = layers.LayerNormalization(axis=[1, 2])
    layer.build((4, 3, 5))
    with pytest.raises(ValueError, match="received an input of shape"):
        layer(np.zeros((4, 3, 6), "float32"))


def test_group_normalization_uneven_groups_message():
    with pytest.raises(ValueError, match="must be a multiple of the number of channels"):
        layers.GroupNormalization(groups=3)(np.ones((2, 2, 2, 4), "float32"))


def test_spectral_normalization_revives_wrapped_layer_built():
    inner = layers.Embedding(10, 4)
    layers.SpectralNormalization(inner)(np.arange(10).astype("float32"))
    config = layers.SpectralNormalization(inner, power_iterations=2).get_config()
    revived = layers.SpectralNormalization.from_config(config)
    assert revived.layer.built and revived.power_iterations == 2
    assert revived.get_config() == config


def test_rnn_revives_its_cell_built():
    layer = layers.RNN(layers.SimpleRNNCell(3))
    layer(np.ones((2, 4, 5), "float32"))
    config = layer.get_config()
    revived = layers.RNN.from_config(config)
    assert revived.cell.built
    assert revived.get_config()["cell"] == config["cell"]
    assert tuple(ops.shape(revived(np.ones((2, 4, 5), "float32")))) == (2, 3)
