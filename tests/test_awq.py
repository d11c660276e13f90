"""AWQ (keras.quantizers.AWQConfig, layer/model.quantize("awq")): config checks, the scale grid search
against a numpy re-implementation of AWQ's formulas, the quantized matrix, the layers' variables and
forward pass, and the model-level flow."""

import re

import numpy as np
import pytest

import torchkeras as keras
from torchkeras import layers
from torchkeras.quantizers import AWQConfig
from torchkeras.quantizers.awq import AWQ, awq_quantize_matrix, awq_search_optimal_scales


def _cfg(**kw):
    return AWQConfig(dataset=None, tokenizer=None, **kw)


@pytest.mark.parametrize("kwargs, msg", [
    (dict(weight_bits=8), "AWQ only supports 4-bit quantization. Received weight_bits=8."),
    (dict(num_samples=0), "num_samples must be a positive integer."),
    (dict(sequence_length=0), "sequence_length must be a positive integer."),
    (dict(group_size=0), "Invalid group_size. Supported values are -1 (per-channel) or a positive integer, but got 0."),
    (dict(num_grid_points=0), "num_grid_points must be a positive integer.")])
def test_config_errors(kwargs, msg):
    with pytest.raises(ValueError, match=re.escape(msg)):
        _cfg(**kwargs)


def test_config_defaults_and_serialization():
    c = _cfg()
    assert (c.weight_bits, c.num_samples, c.sequence_length, c.group_size, c.num_grid_points, c.mode) == (
        4, 128, 512, 128, 20, "awq")
    assert c.dtype_policy_string() == "awq/4/128" and _cfg(group_size=-1).dtype_policy_string() == "awq/4/-1"
    cfg = AWQConfig(dataset=["x"], tokenizer=len, group_size=64, num_grid_points=30).get_config()
    assert cfg["dataset"] is None and cfg["tokenizer"] is None
    back = AWQConfig.from_config(cfg)
    assert (back.group_size, back.num_grid_points) == (64, 30)
    assert keras.quantizers.deserialize(keras.quantizers.serialize(back)).num_grid_points == 30


def _np_rtn(w, group):
    """Asymmetric 4-bit quantize-dequantize of each row (per group of `group` columns, -1: whole row)."""
    out = np.empty_like(w)
    n = w.shape[1]
    step = n if group == -1 else group
    for g0 in range(0, n, step):
        blk = w[:, g0:g0 + step]
        lo, hi = blk.min(1, keepdims=True), blk.max(1, keepdims=True)
        s = (hi - lo) / 15
        z = np.round(-lo / s)
        out[:, g0:g0 + step] = s * (np.clip(np.round(blk / s + z), 0, 15) - z)
    return out


def _np_search(w, x_max, grid, group):
    x_max = np.where(x_max < 1e-8, 1.0, x_max)
    best, best_loss = None, None
    for i in range(grid + 1):
        s = np.maximum(x_max ** (i / grid), 1e-4)
        s = s / max(np.sqrt(s.max() * s.min()), 1e-8)
        loss = np.mean((w - _np_rtn(w * s, group) / s) ** 2 * x_max ** 2)
        if best_loss is None or loss < best_loss:
            best, best_loss = s, loss
    return best


@pytest.mark.parametrize("group", [-1, 4])
def test_scale_search_matches_reference(group):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((6, 12))  # every row and group of 4 spans both signs
    w[:, ::2] = np.abs(w[:, ::2])
    w[:, 1::2] = -np.abs(w[:, 1::2])
    x_max = np.linspace(0.05, 8.0, 12)
    got = awq_search_optimal_scales(w.astype("float32"), x_max.astype("float32"), num_grid_points=10,
                                    group_size=group).numpy()
    np.testing.assert_allclose(got, _np_search(w, x_max, 10, group), rtol=1e-4)
    assert not np.allclose(got, 1.0)
    zero_act = awq_search_optimal_scales(w.astype("float32"), np.zeros(12, "float32"), num_grid_points=5)
    np.testing.assert_array_equal(zero_act.numpy(), np.ones(12))  # no statistics: every ratio ties, 0 wins


@pytest.mark.parametrize("group, n_groups", [(-1, 1), (4, 3), (5, 3)])
def test_quantize_matrix_shapes(group, n_groups):
    w = np.random.default_rng(1).standard_normal((6, 12)).astype("float32")
    q, scale, zero, awq_scales, g_idx = awq_quantize_matrix(w, np.ones(12, "float32") * 2, num_grid_points=4,
                                                            group_size=group)
    assert q.shape == (6, 12) and scale.shape == (6, n_groups) and zero.shape == (6, n_groups)
    assert awq_scales.shape == (12,) and float(q.min()) >= 0 and float(q.max()) <= 15
    expected = np.zeros(12) if group == -1 else np.arange(12) // group
    np.testing.assert_array_equal(g_idx.numpy(), expected)


@pytest.mark.parametrize("group", [-1, 16, 32])
def test_dense_awq_variables_forward_and_accuracy(group):
    keras.utils.set_random_seed(42)
    rng = np.random.default_rng(2)
    layer = layers.Dense(64)
    layer.build((None, 128))
    test = rng.standard_normal((16, 128)).astype("float32")
    y0 = layer(test).detach().numpy()
    cfg = _cfg(group_size=group, num_grid_points=5)
    layer.quantize(config=cfg)
    assert layer.quantization_mode == "awq" and not layer.is_awq_calibrated
    assert layer.dtype_policy.name == f"awq/4/{group}_from_float32"
    np.testing.assert_allclose(layer(test).detach().numpy(), y0, rtol=1e-5, atol=1e-5)  # float until calibrated
    awq = AWQ(layer, cfg)
    awq.update_activation_magnitudes(rng.standard_normal((64, 128)).astype("float32") * np.linspace(0.1, 3, 128))
    awq.quantize_layer()
    awq.free()
    n_groups = 1 if group == -1 else 128 // group
    assert [(v.name, tuple(v.shape)) for v in layer.weights] == [
        ("bias", (64,)), ("kernel", (32, 128)), ("kernel_scale", (64, n_groups)), ("kernel_zero", (64, n_groups)),
        ("awq_scales", (128,)), ("g_idx", (128,))]
    q = layer.kernel.numpy().astype(np.float64)  # [units, in] levels
    grp = layer.g_idx.numpy().astype(int)
    w = (q - layer.kernel_zero.numpy()[:, grp]) * layer.kernel_scale.numpy()[:, grp] / layer.awq_scales.numpy()
    y1 = layer(test).detach().numpy()
    np.testing.assert_allclose(y1, test @ w.T + layer.bias.numpy(), rtol=1e-4, atol=1e-4)
    assert np.mean((y1 - y0) ** 2) / np.var(y0) < 0.35


def test_einsum_dense_awq_and_model_errors():
    layer = layers.EinsumDense("ab,bcd->acd", (2, 3))
    layer.build((None, 12))
    layer.quantize(config=_cfg(group_size=-1, num_grid_points=5))
    assert [(v.name, tuple(v.shape)) for v in layer.weights][1:] == [  # after the float kernel
        ("kernel", (3, 12)), ("kernel_scale", (6, 1)), ("zero_point", (6, 1)), ("awq_scales", (12,)),
        ("g_idx", (12,))]
    assert layer.get_config()["dtype"]["config"]["mode"] == "awq/4/-1"
    model = keras.Sequential([keras.Input((5,)), layers.Dense(10)])
    with pytest.raises(ValueError, match="quantization structure"):
        model.quantize(config=AWQConfig(dataset=["test data"], tokenizer=lambda s: [1, 2]))
    with pytest.raises(ValueError, match=re.escape("For AWQ, you must pass an `AWQConfig` object")):
        model.quantize("awq")


def test_model_quantize_awq_runs_blocks():
    class Block(layers.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.d = layers.Dense(6)

        def call(self, x):
            return self.d(x)

    inp = layers.Input((4,), dtype="int32")
    emb, b1, b2 = layers.Embedding(20, 6), Block(), Block()
    model = keras.Model(inp, b2(b1(emb(inp))))

    def tok(s):
        return np.array([[ord(c) % 20 for c in s]])
    tok.tokenize = tok
    cfg = AWQConfig(dataset=["abcdefgh"], tokenizer=tok, num_samples=2, sequence_length=4, group_size=-1,
                    quantization_layer_structure={"pre_block_layers": [emb], "sequential_blocks": [b1, b2]})
    with pytest.warns(UserWarning):
        model.quantize("awq", config=cfg)
    for b in (b1, b2):
        assert b.d.is_awq_calibrated and b.d.dtype_policy.name == "awq/4/-1_from_float32"
        # As Keras 3.15: statistics flow through `call`, which the already-quantized layers do not run.
        np.testing.assert_array_equal(b.d.awq_scales.numpy(), np.ones(6))
    assert model.predict(np.zeros((1, 4), "int32"), verbose=0).shape == (1, 4, 6)
