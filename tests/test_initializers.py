"""Initializers: fans, bounds/moments vs closed-form values, seeding, configs."""

import math

import numpy as np
import pytest
import torch

from torchkeras import initializers as I


@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)),
    ((3, 4, 6), (3 * 4, 3 * 6)), ((2, 3, 4, 5), (6 * 4, 6 * 5)),
])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


def test_compute_fans_explicit_axes():
    assert I.compute_fans((2, 3, 4), input_axes=(0,), output_axes=(1, 2)) == (2, 12)


@pytest.mark.parametrize("name, scale, fan", [
    ("glorot_uniform", 1.0, lambda i, o: (i + o) / 2), ("he_uniform", 2.0, lambda i, o: i),
    ("lecun_uniform", 1.0, lambda i, o: i),
])
def test_uniform_variance_scaling_bounds(name, scale, fan):
    shape = (3, 3, 40, 60)
    w = I.get(name)(shape)
    assert w.dtype == torch.float32 and tuple(w.shape) == shape
    limit = math.sqrt(3 * scale / fan(9 * 40, 9 * 60))
    assert w.abs().max().item() <= limit + 1e-7
    assert w.abs().max().item() > 0.98 * limit
    assert abs(w.std().item() - limit / math.sqrt(3)) < 0.02 * limit


@pytest.mark.parametrize("name, scale, fan", [
    ("glorot_normal", 1.0, lambda i, o: (i + o) / 2), ("he_normal", 2.0, lambda i, o: i),
    ("lecun_normal", 1.0, lambda i, o: i),
])
def test_truncated_variance_scaling(name, scale, fan):
    w = I.get(name)((400, 600)).double()
    target_std = math.sqrt(scale / fan(400, 600))  # the 0.8796 correction restores it
    stddev = target_std / 0.87962566103423978
    assert w.abs().max().item() <= 2 * stddev + 1e-6
    assert abs(w.std().item() - target_std) < 0.01 * target_std
    assert abs(w.mean().item()) < 0.01 * target_std


def test_variance_scaling_modes_and_validation():
    w = I.VarianceScaling(scale=3.0, mode="fan_out", distribution="untruncated_normal")((300, 500))
    assert abs(w.std().item() - math.sqrt(3.0 / 500)) < 0.01 * math.sqrt(3.0 / 500)
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="scale"):
        I.VarianceScaling(scale=0.0)


def test_random_normal_uniform_truncated():
    n = I.RandomNormal(mean=1.0, stddev=0.5)((500, 400))
    assert abs(n.mean().item() - 1.0) < 0.005 and abs(n.std().item() - 0.5) < 0.005
    u = I.RandomUniform(minval=-2.0, maxval=3.0)((500, 400))
    assert u.min().item() >= -2.0 and u.max().item() <= 3.0
    assert abs(u.mean().item() - 0.5) < 0.02
    t = I.TruncatedNormal(mean=0.0, stddev=1.0)((500, 400))
    assert t.abs().max().item() <= 2.0
    assert abs(t.std().item() - 0.87962566103423978) < 0.005
    assert I.get("normal").get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    assert isinstance(I.get("uniform"), I.RandomUniform)


def test_seeding():
    a, b = I.GlorotUniform(seed=3)((4, 5)), I.GlorotUniform(seed=3)((4, 5))
    assert torch.equal(a, b)
    assert not torch.equal(a, I.GlorotUniform(seed=4)((4, 5)))
    init = I.HeNormal()
    torch.manual_seed(0)
    c = init((4, 5))
    torch.manual_seed(0)
    assert torch.equal(c, init((4, 5)))
    with pytest.raises(ValueError, match="seed"):
        I.RandomNormal(seed="abc")


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (2, 3, 5)])
def test_orthogonal(shape):
    w = I.Orthogonal(gain=1.5, seed=0)(shape).double().reshape(-1, shape[-1]).numpy()
    rows, cols = w.shape
    gram = w.T @ w if rows >= cols else w @ w.T
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="two-dimensional"):
        I.Orthogonal()((5,))


def test_constant_family():
    assert torch.equal(I.get("zeros")((2, 3)), torch.zeros(2, 3))
    assert torch.equal(I.get("ones")((3,)), torch.ones(3))
    np.testing.assert_array_equal(I.Constant(2.5)((2, 2)).numpy(), np.full((2, 2), 2.5))
    np.testing.assert_array_equal(I.Identity(gain=3.0)((2, 3)).numpy(), 3 * np.eye(2, 3))
    assert I.get("zeros")((2,), dtype="float64").dtype == torch.float64
    with pytest.raises(ValueError, match="2D"):
        I.Identity()((2, 2, 2))


def test_stft_kernel_matches_dft():
    frame, bins = 8, 5
    k = I.STFT(side="real", window=None, scaling=None)((frame, 1, bins)).double().numpy()
    t = np.arange(frame)[:, None]
    f = np.arange(bins)[None, :]
    np.testing.assert_allclose(k[:, 0, :], np.cos(2 * np.pi * t * f / (2 * (bins - 1))),
                               atol=1e-6)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame) / (frame - 1))
    kw = I.STFT(side="imag", window="hann")((frame, 1, bins)).double().numpy()
    ref = -np.sin(2 * np.pi * t * f / (2 * (bins - 1))) * hann[:, None] / np.sqrt((hann**2).sum())
    np.testing.assert_allclose(kw[:, 0, :], ref, atol=1e-6)


def test_serialize_matches_keras_format():
    cfg = I.serialize(I.GlorotUniform())
    assert cfg == {"module": "keras.initializers", "class_name": "GlorotUniform",
                   "config": {"seed": None, "input_axes": None, "output_axes": None},
                   "registered_name": None}
    vs = I.serialize(I.VarianceScaling(seed=2))
    assert vs["config"] == {"seed": 2, "scale": 1.0, "mode": "fan_in",
                            "distribution": "truncated_normal", "input_axes": None,
                            "output_axes": None}
    assert I.serialize(I.Zeros()) == {"module": "keras.initializers", "class_name": "Zeros",
                                      "config": {}, "registered_name": None}


@pytest.mark.parametrize("obj", [
    I.Zeros(), I.Ones(), I.Constant(0.7), I.Constant(np.arange(3.0)), I.RandomNormal(0.1, 2.0, 5),
    I.RandomUniform(-1.0, 2.0), I.TruncatedNormal(seed=1), I.VarianceScaling(2.0, "fan_avg",
                                                                              "uniform", 3),
    I.GlorotNormal(seed=1), I.HeUniform(), I.LecunNormal(), I.Orthogonal(2.0, 7),
    I.Identity(0.5), I.STFT(side="imag", window="hamming", periodic=True),
])
def test_config_round_trip(obj):
    restored = I.deserialize(I.serialize(obj))
    assert type(restored) is type(obj)
    a, b = restored.get_config(), obj.get_config()
    assert str(a) == str(b)
    shape = (3, 1, 5) if isinstance(obj, I.STFT) else (3, 3)
    if getattr(obj, "seed", 0) is not None:
        assert torch.equal(restored(shape), obj(shape))


def test_get_variants_and_errors():
    assert I.get(None) is None
    assert isinstance(I.get(I.HeNormal), I.HeNormal)
    inst = I.Orthogonal()
    assert I.get(inst) is inst
    legacy = {"class_name": "RandomUniform", "config": {"minval": -1, "maxval": 1, "seed": None}}
    assert I.get(legacy).get_config()["minval"] == -1
    fixed = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(I.get(fixed)((2, 3)).numpy(), fixed)
    with pytest.raises(ValueError, match="Expected `shape`"):
        I.get(fixed)((3, 2))
    with pytest.raises(ValueError, match="glorot_uniform") as err:
        I.get("glorot_uniformm")
    assert "Could not interpret initializer" in str(err.value)
