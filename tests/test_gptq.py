"""GPTQ (keras.quantizers.GPTQConfig, model/layer.quantize("gptq")): config checks, the zero-point
quantization formulas, the Hessian estimate and the error-correcting column loop against numpy
re-implementations of the GPTQ paper's equations, the layers' variables / forward / saving, and the
model-level flow and its errors."""

import re

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers
from torchkeras.quantizers import GPTQConfig, QuantizationConfig
from torchkeras.quantizers.gptq import GPTQ, _stable_permutation, gptq_quantize_matrix
from torchkeras.quantizers.gptq_core import get_dataloader
from torchkeras.quantizers.zero_point import compute_quantization_parameters


def _cfg(**kw):
    return GPTQConfig(dataset=None, tokenizer=None, **kw)


# ------------------------------------------------------------------ config
@pytest.mark.parametrize("kwargs, msg", [
    (dict(weight_bits=5), "Unsupported weight_bits 5"), (dict(num_samples=0), "num_samples must be a positive"),
    (dict(sequence_length=-1), "sequence_length must be a positive"),
    (dict(hessian_damping=1.5), "hessian_damping must be between"), (dict(group_size=0), "Invalid group_size"),
    (dict(group_size=-2), "Invalid group_size")])
def test_config_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        _cfg(**kwargs)


def test_config_defaults_serialization_and_policy_string():
    c = _cfg()
    assert (c.weight_bits, c.num_samples, c.per_channel, c.sequence_length, c.hessian_damping, c.group_size,
            c.symmetric, c.activation_order, c.mode) == (4, 128, True, 512, 0.01, 128, False, False, "gptq")
    c = GPTQConfig(dataset=[1, 2], tokenizer=len, weight_bits=8, group_size=64)
    cfg = c.get_config()
    assert cfg["dataset"] is None and cfg["tokenizer"] is None and cfg["weight_bits"] == 8
    assert GPTQConfig.from_config(cfg).dtype_policy_string() == "gptq/8/64"
    s = keras.quantizers.serialize(c)
    assert s["class_name"] == "GPTQConfig" and keras.quantizers.deserialize(s).group_size == 64


# ------------------------------------------------------------------ zero-point parameters
def test_quantization_parameters_match_formulas():
    x = np.random.default_rng(0).standard_normal((3, 10)).astype("float32")
    s, z, maxq = compute_quantization_parameters(x, bits=4, per_channel=True)
    lo, hi = x.min(1), x.max(1)
    np.testing.assert_allclose(s.numpy()[:, 0], (hi - lo) / 15, rtol=1e-6)
    np.testing.assert_array_equal(z.numpy()[:, 0], np.round(-lo / ((hi - lo) / 15)).astype(np.uint8))
    assert float(maxq) == 15 and z.dtype == torch.uint8
    # groups of 4 (the last one zero-padded), symmetric: zero at mid-range
    s, z, _ = compute_quantization_parameters(x, bits=4, per_channel=True, group_size=4, symmetric=True)
    pad = np.concatenate([x, np.zeros((3, 2), "float32")], 1).reshape(3, 3, 4)
    amax = np.maximum(np.abs(pad.min(2)), pad.max(2))
    lo = np.where(pad.min(2) < 0, -amax, pad.min(2))  # a group with no negative value keeps its min
    np.testing.assert_allclose(s.numpy(), (amax - lo) / 15, rtol=1e-6)
    assert (z.numpy() == 8).all() and s.shape == (3, 3)
    # per tensor: one value repeated per row
    s, z, _ = compute_quantization_parameters(x, bits=8, per_channel=False)
    np.testing.assert_allclose(s.numpy()[:, 0], np.full(3, (x.max() - x.min()) / 255), rtol=1e-6)


# ------------------------------------------------------------------ Hessian
def test_hessian_closed_form_streaming_and_errors():
    x = np.random.default_rng(1).standard_normal((100, 7)).astype("float32")
    layer = layers.Dense(5, use_bias=False)
    layer.build((None, 7))
    g1, g2 = GPTQ(layer), GPTQ(layer)
    g1.update_hessian_with_batch(x)
    g2.update_hessian_with_batch(x[:30])
    g2.update_hessian_with_batch(x[30:].reshape(10, 7, 7))  # higher rank: flattened to rows
    np.testing.assert_allclose(g1.hessian.numpy(), 2.0 / 100 * x.T.astype("float64") @ x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g2.hessian.numpy(), g1.hessian.numpy(), rtol=1e-5, atol=1e-5)
    assert g2.num_samples == 100
    with pytest.raises(ValueError, match="cannot be None"):
        g1.update_hessian_with_batch(None)
    with pytest.raises(ValueError, match="cannot be empty"):
        g1.update_hessian_with_batch(np.empty((0, 7), "float32"))
    with pytest.raises(ValueError, match=re.escape("Hessian dimensions (7) do not match input features (6)")):
        g1.update_hessian_with_batch(np.ones((2, 6), "float32"))
    with pytest.raises(TypeError, match="Unsupported layer type for GPTQ"):
        GPTQ(layers.Layer())


def test_einsum_3d_rows_and_columns():
    qkv = layers.EinsumDense("ab,bcd->acd", (4, 8))
    qkv.build((None, 64))
    out = layers.EinsumDense("abc,bcd->ad", (64,))
    out.build((None, 4, 8))
    assert (GPTQ(qkv).rows, GPTQ(qkv).columns) == (64, 32)
    assert (GPTQ(out).rows, GPTQ(out).columns) == (32, 64)


# ------------------------------------------------------------------ the column loop
def _np_quant(col, s, z, maxq):
    return np.clip(np.round(col / s + z), 0, maxq)


def _np_gptq(w, hinv, block, group, bits=4):
    """Keras's GPTQ loop in float64: within a block the error goes to the block's later columns; the
    rest of the matrix (where each group's params are taken at its first column) is corrected per block."""
    buf = w.astype(np.float64).copy()
    out, n = buf.shape
    q = np.zeros_like(buf)
    maxq = 2 ** bits - 1
    params = None
    for b0 in range(0, n, block):
        b1 = min(b0 + block, n)
        bw = buf[:, b0:b1].copy()
        err = np.zeros((out, b1 - b0))
        for j in range(b0, b1):
            if j % group == 0:
                g = buf[:, j:j + group]
                lo, hi = g.min(1), g.max(1)
                s = (hi - lo) / maxq
                params = s, np.mod(np.round(-lo / s), 256)  # Keras's uint8 cast wraps negative zero points
            s, z = params
            col = bw[:, j - b0]
            q[:, j] = _np_quant(col, s, z, maxq)
            e = (col - s * (q[:, j] - z)) / hinv[j, j]
            err[:, j - b0] = e
            bw[:, j - b0 + 1:] -= np.outer(e, hinv[j, j + 1:b1])
        buf[:, b1:] -= err @ hinv[b0:b1, b1:]
    return q


def test_error_correction_matches_reference_loop():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((6, 12)).astype("float32")
    x = rng.standard_normal((40, 12)).astype("float32")
    h = 2 / 40 * x.T @ x + 0.1 * np.eye(12, dtype="float32")
    hinv = np.linalg.inv(h.astype(np.float64)).astype("float32")
    q, scale, zero, g_idx = gptq_quantize_matrix(
        w, hinv, blocksize=8, group_size=4,
        compute_scale_zero=lambda t: compute_quantization_parameters(t, bits=4, per_channel=True, group_size=4))
    ref = _np_gptq(w, hinv.astype(np.float64), block=8, group=4)
    assert np.mean(q.numpy() != ref) < 0.02 and np.abs(q.numpy() - ref).max() <= 1
    np.testing.assert_allclose(g_idx.numpy(), np.arange(12) / 4, rtol=1e-7)
    assert scale.shape == (6, 3) and zero.shape == (6, 3)


def test_identity_inverse_hessian_is_round_to_nearest_and_act_order_is_undone():
    # Every row spans negative and positive values (an all-positive row gets a negative zero point,
    # which Keras wraps to uint8).
    w = np.linspace(-0.9, 1.1, 6 * 8, dtype="float32").reshape(8, 6).T.copy()

    def params(t):
        return compute_quantization_parameters(t, bits=4, per_channel=True)
    q, s, z, _ = gptq_quantize_matrix(w, np.eye(8, dtype="float32"), group_size=-1, compute_scale_zero=params)
    lo, hi = w.min(1, keepdims=True), w.max(1, keepdims=True)
    sc = (hi - lo) / 15
    np.testing.assert_array_equal(q.numpy(), _np_quant(w, sc, np.round(-lo / sc), 15))
    metric = np.array([1.0, 5.0, 3.0, 9.0, 2.0, 7.0, 4.0, 6.0], "float32")
    assert _stable_permutation(metric).tolist() == [3, 5, 7, 1, 6, 2, 4, 0]
    hinv = np.diag(1 / metric)
    q2, *_ = gptq_quantize_matrix(w, hinv, group_size=-1, activation_order=True, order_metric=metric,
                                  compute_scale_zero=params)
    np.testing.assert_array_equal(q2.numpy(), q.numpy())


# ------------------------------------------------------------------ layers
def _dense(units=6, in_dim=8, **cfg):
    layer = layers.Dense(units)
    layer.build((None, in_dim))
    layer.set_weights([np.random.default_rng(3).standard_normal((in_dim, units)).astype("float32"),
                       np.arange(units, dtype="float32")])
    config = _cfg(**cfg)
    layer.quantize("gptq", config=config)
    return layer, config


def test_dense_variables_forward_and_calibration():
    layer, config = _dense(group_size=4)
    w0 = layer.kernel.detach().numpy().copy()
    x = np.random.default_rng(4).standard_normal((5, 8)).astype("float32")
    assert [(v.name, tuple(v.shape), str(v.dtype).replace("torch.", "")) for v in layer.weights] == [
        ("kernel", (8, 6), "float32"), ("bias", (6,), "float32"), ("kernel", (3, 8), "uint8"),
        ("kernel_scale", (6, 2), "float32"), ("kernel_zero", (6, 2), "uint8"), ("g_idx", (8,), "float32")]
    assert layer.dtype_policy.name == "gptq/4/4_from_float32" and not layer.is_gptq_calibrated
    np.testing.assert_allclose(layer(x).detach().numpy(), x @ w0 + np.arange(6), rtol=1e-5, atol=1e-5)
    g = GPTQ(layer, config)
    g.update_hessian_with_batch(x)
    g.quantize_and_correct_layer()
    g.free()
    assert layer.is_gptq_calibrated and not hasattr(g, "hessian") and not hasattr(g, "layer")
    assert [v.name for v in layer.weights] == ["bias", "kernel", "kernel_scale", "kernel_zero", "g_idx"]
    q = layer.kernel.numpy().astype(np.float64)  # unpacked levels, [units, in]
    assert q.shape == (6, 8) and q.max() <= 15
    grp = (layer.g_idx.numpy()).astype(int)
    deq = (q - layer.kernel_zero.numpy()[:, grp]) * layer.kernel_scale.numpy()[:, grp]
    np.testing.assert_allclose(layer(x).detach().numpy(), x @ deq.T + np.arange(6), rtol=1e-5, atol=1e-5)
    with pytest.raises(NotImplementedError, match="lora is not currently supported with GPTQ"):
        layer.enable_lora(2)


def test_8bit_kernel_is_not_packed_and_policy_build():
    layer, _ = _dense(weight_bits=8, group_size=-1)
    assert tuple(layer.quantized_kernel.shape) == (6, 8)
    rebuilt = layers.Dense(6, dtype="gptq/3/4_from_float32")
    rebuilt.build((None, 10))
    assert [(v.name, tuple(v.shape)) for v in rebuilt.weights] == [
        ("bias", (6,)), ("kernel", (6, 10)), ("kernel_scale", (6, 3)), ("kernel_zero", (6, 3)), ("g_idx", (10,))]
    with pytest.raises(ValueError, match="Implicitly enabling GPTQ quantization"):
        d = layers.Dense(3)
        d.build((2, 4))
        d.dtype_policy = "gptq/4/-1_from_float32"


# ------------------------------------------------------------------ model level
def _tok(x):
    return np.asarray([ord(c) % 50 for c in x] if isinstance(x, str) else x)[None]


_tok.tokenize = _tok


class _Block(layers.Layer):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.d1 = layers.Dense(8, activation="relu")
        self.d2 = layers.Dense(6)

    def call(self, x):
        return self.d2(self.d1(x))


def _model():
    inp = layers.Input((5,), dtype="int32")
    emb, block = layers.Embedding(50, 6), _Block()
    return keras.Model(inp, block(emb(inp))), emb, block


@pytest.mark.parametrize("mode, config, exc, msg", [
    ("gptq", {"weight_bits": 4}, ValueError, "Argument `config` must be an instance of `QuantizationConfig`"),
    ("gptq", None, ValueError, "For GPTQ, you must pass a `GPTQConfig` object in the `config` argument."),
    ("gptq", QuantizationConfig(), NotImplementedError, "Do not instantiate QuantizationConfig directly."),
    ("gptq", GPTQConfig(dataset=["a"], tokenizer=_tok), ValueError,
     "For mode='gptq', a valid quantization structure"),
    ("int8", GPTQConfig(dataset=["a"], tokenizer=_tok), ValueError, "Contradictory arguments: mode='int8'")])
def test_model_quantize_errors(mode, config, exc, msg):
    model = keras.Sequential([keras.Input((5,)), layers.Dense(10)])
    with pytest.raises(exc, match=re.escape(msg)):
        model.quantize(mode, config=config)


def test_model_quantize_filters_and_save_roundtrip(tmp_path):
    model, emb, block = _model()
    x = np.random.default_rng(5).integers(0, 50, (2, 5)).astype("int32")
    y0 = model.predict(x, verbose=0)
    cfg = GPTQConfig(dataset=["some calibration text"], tokenizer=_tok, num_samples=2, sequence_length=5,
                     group_size=-1, quantization_layer_structure={"pre_block_layers": [emb],
                                                                  "sequential_blocks": [block]})
    with pytest.warns(UserWarning):
        model.quantize("gptq", config=cfg, filters=lambda layer: layer is not block.d1)
    assert block.d1.quantization_mode is None and not hasattr(block.d1, "quantized_kernel")
    assert block.d2.quantization_mode == "gptq" and block.d2.is_gptq_calibrated
    y1 = model.predict(x, verbose=0)
    assert 0 < np.abs(y1 - y0).max() < 0.5 * np.abs(y0).max()
    seq = keras.Sequential([keras.Input((8,)), block.d2])
    path = str(tmp_path / "gptq.keras")
    seq.save(path)
    loaded = keras.saving.load_model(path)
    d = loaded.layers[-1]
    assert d.quantization_mode == "gptq" and d.is_gptq_calibrated
    h = np.random.default_rng(6).standard_normal((3, 8)).astype("float32")
    np.testing.assert_allclose(loaded.predict(h, verbose=0), seq.predict(h, verbose=0), rtol=1e-6)


def test_dataloader_windows_and_errors():
    data = np.arange(40)
    out = get_dataloader(None, 8, [data], num_samples=4, strategy="linspace")
    assert out.shape == (4, 1, 8) and out.dtype == np.int32
    np.testing.assert_array_equal(out[:, 0, 0], np.linspace(0, 32, 4, dtype=np.int64))
    np.testing.assert_array_equal(out[1, 0], np.arange(10, 18))
    rnd = get_dataloader(None, 8, [data], num_samples=4, strategy="random", seed=1)
    np.testing.assert_array_equal(rnd, get_dataloader(None, 8, [data], num_samples=4, strategy="random", seed=1))
    text = get_dataloader(_tok, 4, ["abcdef"], num_samples=6)  # too short: repeated
    assert text.shape == (6, 1, 4) and set(text.ravel()) <= {ord(c) % 50 for c in "abcdef"}
    with pytest.raises(ValueError, match="Provided dataset is empty"):
        get_dataloader(_tok, 4, [], num_samples=2)
    with pytest.raises(TypeError, match="must be an iterable.*Got type: str"):
        get_dataloader(_tok, 4, "wikitext2", num_samples=2)
