"""LoRA, int8 / int4 / float8 quantization of Dense and Embedding, keras.quantizers and
keras.dtype_policies, against numpy re-derivations of Keras's formulas."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import dtype_policies, layers, quantizers

EPS = 1e-7


def np_abs_max(x, axis, hi=127, lo=-127):
    scale = np.float32(hi) / (np.abs(x).max(axis=axis, keepdims=True) + np.float32(EPS))
    return np.clip(np.round(x * scale), lo, hi), scale


def np_grouped(w, block, qmin=-8, qmax=7):
    n, m = w.shape
    g = -(-n // block)
    pad = np.concatenate([w, np.zeros((g * block - n, m), w.dtype)]).reshape(g, block, m)
    lo, hi = pad.min(1, keepdims=True), pad.max(1, keepdims=True)
    scale = (hi - lo + np.float32(EPS)) / np.float32(qmax - qmin)
    zero = np.clip(np.round(-lo / scale) + qmin, qmin, qmax)
    q = np.clip(np.round(pad / scale) + zero, qmin, qmax).reshape(g * block, m)[:n]
    return q, scale[:, 0], zero[:, 0]


def np_pack(a, axis):
    a = np.moveaxis(a.astype(np.int64), axis, 0)
    if a.shape[0] % 2:
        a = np.concatenate([a, np.zeros((1,) + a.shape[1:], np.int64)])
    packed = (a[::2] & 15) | ((a[1::2] & 15) << 4)
    return np.moveaxis(packed.astype(np.uint8).view(np.int8), 0, axis)


# ---------------------------------------------------------------- quantizers
@pytest.mark.parametrize("shape,axis", [((5, 3), 0), ((4, 7), 1), ((3, 2, 5), -1), ((6,), 0)])
def test_pack_unpack_int4(shape, axis):
    a = np.random.default_rng(0).integers(-8, 8, size=shape).astype(np.int8)
    packed, packed_shape, n = quantizers.pack_int4(a, axis=axis)
    np.testing.assert_array_equal(packed.numpy(), np_pack(a, axis))
    assert n == shape[axis] and packed_shape == tuple(packed.shape)
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, n, axis=axis).numpy(), a)
    with pytest.raises(TypeError, match="Expected int8 tensor for packing"):
        quantizers.pack_int4(a.astype(np.int32))


def test_abs_max_and_grouped_quantize():
    w = np.random.default_rng(1).standard_normal((10, 4)).astype(np.float32)
    q, s = quantizers.abs_max_quantize(w, axis=0)
    q_ref, s_ref = np_abs_max(w, 0)
    np.testing.assert_array_equal(q.numpy(), q_ref)
    np.testing.assert_allclose(s.numpy(), s_ref, rtol=1e-6)
    q, s, z = quantizers.abs_max_quantize_grouped_with_zero_point(w, block_size=4)
    q_ref, s_ref, z_ref = np_grouped(w, 4)
    np.testing.assert_array_equal(q.numpy(), q_ref)
    np.testing.assert_allclose(s.numpy(), s_ref, rtol=1e-6)
    np.testing.assert_array_equal(z.numpy(), z_ref)
    assert z.dtype == torch.int8 and s.shape == (3, 4)
    qz, scale = quantizers.AbsMaxQuantizer(axis=-1)(w)
    np.testing.assert_array_equal(qz.numpy(), np_abs_max(w, -1)[0])
    with pytest.raises(ValueError, match="within the interval"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 200))


def test_float8_scale_and_history():
    amax = np.array([0.0, 2.0, np.inf], np.float32)
    scale = np.array([0.5, 0.5, 0.5], np.float32)
    out = quantizers.compute_float8_scale(amax, scale, 448.0).numpy()
    np.testing.assert_allclose(out, [0.5, 2.0 / 448.0, 0.5], rtol=1e-6)
    hist = np.arange(5, dtype=np.float32)
    x = np.array([-9.0, 3.0], np.float32)
    np.testing.assert_array_equal(quantizers.compute_float8_amax_history(x, hist).numpy(), [9, 2, 3, 4, 0])
    y = quantizers.quantize_and_dequantize(np.array([1000.0, 0.3], np.float32), 1.0, "float8_e4m3fn", "float32")
    assert float(y[0]) == 448.0 and abs(float(y[1]) - 0.3) < 0.02


def test_fake_quant_per_tensor_and_grad():
    x = torch.tensor([-2.0, -0.5, 0.1, 0.77, 3.0], requires_grad=True)
    y = quantizers.fake_quant_with_min_max_vars(x, -1.0, 1.0, num_bits=8)
    # TF's nudging, in float32: the zero point 1/step = 127.49999 rounds down to 127.
    step = np.float32(2.0) / np.float32(255)
    zero = np.round(np.float32(1.0) / step)
    assert zero == 127
    lo, hi = -zero * step, (255 - zero) * step
    ref = (np.floor((np.clip(x.detach().numpy(), lo, hi) - lo) / step + 0.5)) * step + lo
    np.testing.assert_allclose(y.detach().numpy(), ref, atol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 0])


# ---------------------------------------------------------------- Dense
def _dense(units=3, in_dim=6, **kw):
    layer = layers.Dense(units, bias_initializer="random_normal", **kw)
    layer.build((None, in_dim))
    return layer


def test_dense_lora_forward_training_and_config():
    layer = _dense()
    w, b = (v.numpy() for v in layer.weights)
    layer.enable_lora(2, lora_alpha=4.0)
    a = np.random.default_rng(0).standard_normal((6, 2)).astype(np.float32)
    bb = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    layer.lora_kernel_a.assign(a)
    layer.lora_kernel_b.assign(bb)
    x = np.random.default_rng(2).standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(layer(x).detach().numpy(), x @ (w + 2.0 * a @ bb) + b, rtol=1e-5, atol=1e-5)
    assert [v.name for v in layer.weights] == ["kernel", "bias", "lora_kernel_a", "lora_kernel_b"]
    assert [v.name for v in layer.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]
    layer(x).sum().backward()
    assert layer.lora_kernel_a.grad is not None and layer.torch_module.weight.grad is None
    np.testing.assert_allclose(np.asarray(layer.kernel.detach()), w + 2.0 * a @ bb, rtol=1e-5, atol=1e-6)
    cfg = layer.get_config()
    assert cfg["lora_rank"] == 2 and cfg["lora_alpha"] == 4.0
    again = layers.Dense.from_config(cfg)
    again.build((None, 6))
    assert again.lora_enabled and len(again.trainable_weights) == 3
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(2)
    with pytest.raises(ValueError, match="isn't yet built"):
        layers.Dense(2).enable_lora(2)
    with pytest.raises(ValueError, match="incompatible with kernel constraints"):
        _dense(kernel_constraint="non_neg").enable_lora(2)


@pytest.mark.parametrize("lora", [False, True])
def test_dense_int8(lora):
    layer = _dense()
    w, b = (v.numpy() for v in layer.weights)
    layer.quantize("int8")
    qk, ks = np_abs_max(w, 0)
    np.testing.assert_array_equal(layer.kernel.numpy(), qk)
    assert [(v.name, str(v.dtype).replace("torch.", "")) for v in layer.weights] == [("bias", "float32"), ("kernel", "int8"),
                                                          ("kernel_scale", "float32")]
    x = np.random.default_rng(3).standard_normal((5, 6)).astype(np.float32)
    qx, xs = np_abs_max(x, -1)
    ref = (qx @ qk) / (ks[0] * xs) + b
    if lora:
        layer.enable_lora(2)
        a, bb = layer.lora_kernel_a.numpy(), np.ones((2, 3), np.float32)
        layer.lora_kernel_b.assign(bb)
        ref = ref + x @ a @ bb
    np.testing.assert_allclose(layer(x).detach().numpy(), ref, rtol=1e-5, atol=1e-5)
    assert str(layer.dtype_policy.name) == "int8_from_float32"
    with pytest.raises(ValueError, match="already quantized"):
        layer.quantize("int8")


@pytest.mark.parametrize("block", [None, 4])
def test_dense_int4(block):
    layer = _dense(units=5, in_dim=10)
    w, b = (v.numpy() for v in layer.weights)
    layer.quantize("int4", config=quantizers.Int4QuantizationConfig(block_size=block))
    x = np.random.default_rng(4).standard_normal((3, 10)).astype(np.float32)
    if block is None:
        q, s = np_abs_max(w, 0, 7, -8)
        deq = q / s
        names = ["bias", "kernel", "kernel_scale"]
    else:
        q, s, z = np_grouped(w, block)
        g = np.arange(10) // block
        deq = (q - z[g]) * s[g]
        names = ["bias", "kernel", "kernel_scale", "kernel_zero", "g_idx"]
    assert [v.name for v in layer.weights] == names
    assert tuple(layer.weights[1].shape) == (10, 3)  # packed along the output axis
    np.testing.assert_array_equal(layer.kernel.numpy(), q)
    np.testing.assert_allclose(layer(x).detach().numpy(), x @ deq + b, rtol=1e-5, atol=1e-5)
    assert layer.dtype_policy.name == f"int4/{-1 if block is None else block}_from_float32"


def test_dense_float8_forward_and_training_updates():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    layer = _dense()
    w, b = (v.numpy() for v in layer.weights)
    layer.quantize("float8")
    assert len(layer.trainable_weights) == 8 and layer.inputs_amax_history.shape == (1024,)
    x = np.random.default_rng(5).standard_normal((4, 6)).astype(np.float32)
    e4 = ml_dtypes.float8_e4m3fn
    qdq = lambda v: np.clip(v, -448, 448).astype(e4).astype(np.float32)  # noqa: E731 (scale 1)
    bias = b.astype(ml_dtypes.bfloat16).astype(np.float32)
    np.testing.assert_allclose(layer(x).detach().numpy(), qdq(x) @ qdq(w) + bias, rtol=1e-5, atol=1e-5)
    out = layer(x, training=True)
    assert float(layer.inputs_amax_history[0]) == pytest.approx(np.abs(x).max())
    out.sum().backward()
    assert float(layer.outputs_grad_amax_history[0]) == 1.0


def test_dense_quantize_errors_and_subclass():
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        _dense().quantize("int2")
    with pytest.raises(ValueError, match="isn't yet built"):
        layers.Dense(2).quantize("int8")

    class MyDense(layers.Dense):
        pass

    layer = MyDense(2)
    layer.build((None, 3))
    with pytest.raises(NotImplementedError):
        layer.quantize("int8")


# ---------------------------------------------------------------- Embedding
@pytest.mark.parametrize("mode", ["int8", "int4_pc", "int4_grouped", "lora"])
def test_embedding_modes(mode):
    emb = layers.Embedding(7, 5)
    emb.build()
    w = emb.weights[0].numpy()
    ids = np.array([[0, 3, 6], [2, 2, 1]])
    if mode == "int8":
        emb.quantize("int8")
        q, s = np_abs_max(w, -1)
        ref = (q / s)[ids]
    elif mode == "int4_pc":
        emb.quantize("int4", config=quantizers.Int4QuantizationConfig(block_size=-1))
        q, s = np_abs_max(w, -1, 7, -8)
        ref = (q / s)[ids]
    elif mode == "int4_grouped":
        emb.quantize("int4", config=quantizers.Int4QuantizationConfig(block_size=2))
        q, s, z = np_grouped(w.T, 2)
        g = np.arange(5) // 2
        ref = ((q - z[g]) * s[g]).T[ids]
        assert emb.embeddings_scale.shape == (7, 3)
    else:
        emb.enable_lora(3)
        emb.lora_embeddings_b.assign(np.ones((3, 5), np.float32))
        ref = (w + emb.lora_embeddings_a.numpy() @ np.ones((3, 5)))[ids]
    np.testing.assert_allclose(emb(ids).detach().numpy(), ref, rtol=1e-5, atol=1e-6)
    with pytest.raises((NotImplementedError, ValueError)):
        layers.Embedding(3, 2, dtype="float32").quantize("float8")


# ---------------------------------------------------------------- saving
@pytest.mark.parametrize("mode", ["int8", "int4", "float8", "lora", "int8+lora"])
def test_save_load_roundtrip(tmp_path, mode):
    model = keras.Sequential([keras.Input((6,), dtype="int32"), layers.Embedding(10, 6), layers.Dense(4)])
    for layer in model.layers:
        if mode.startswith("int8") or (mode == "int4"):
            layer.quantize(mode.split("+")[0])
        elif mode == "float8" and isinstance(layer, layers.Dense):
            layer.quantize("float8")
        if "lora" in mode:
            layer.enable_lora(2)
    x = np.random.default_rng(0).integers(0, 10, size=(3, 6))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    tol = 1e-2 if "+lora" in mode else 1e-6  # LoRA is merged and re-quantized when saved, as Keras
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=tol)
    assert [type(v.dtype_policy).__name__ for v in loaded.layers] == \
        [type(v.dtype_policy).__name__ for v in model.layers]


# ---------------------------------------------------------------- dtype_policies
def test_dtype_policies_api():
    p = dtype_policies.get("int8_from_mixed_bfloat16")
    assert isinstance(p, dtype_policies.QuantizedDTypePolicy)
    assert (p.compute_dtype, p.variable_dtype, p.quantization_mode) == ("bfloat16", "float32", "int8")
    assert dtype_policies.deserialize(dtype_policies.serialize(p)) == p
    assert dtype_policies.get("float8_from_float32").amax_history_length == 1024
    assert dtype_policies.get("int4/64_from_float32").block_size == 64
    assert dtype_policies.get({"class_name": "DTypePolicy", "config": {"name": "float16"}}).name == "float16"
    assert repr(dtype_policies.FloatDTypePolicy("float32")) == '<DTypePolicy "float32">'
    assert dtype_policies.DTypePolicy("float32") == dtype_policies.FloatDTypePolicy("float32")
    with pytest.raises(ValueError, match="Cannot convert"):
        dtype_policies.DTypePolicy("mixed_int8")
    with pytest.raises(ValueError, match="doesn't work well with compute_dtype='float16'"):
        dtype_policies.QuantizedDTypePolicy("int8", "float16")
    with pytest.raises(ValueError, match="Invalid block_size"):
        dtype_policies.Int4DTypePolicy("int4/0")
    m = dtype_policies.DTypePolicyMap(default_policy="float32")
    m["enc/.*"] = "bfloat16"
    assert m["enc/dense"].name == "bfloat16" and m["dec"].name == "float32"
    with pytest.raises(ValueError, match="already exist"):
        m["enc/.*"] = "float16"
    layer = layers.Dense(2, dtype="int8_from_float32")
    layer.build((None, 3))
    assert [str(v.dtype).replace("torch.", "") for v in layer.weights] == ["float32", "int8", "float32"]
