"""LoRA and int8 / int4 / float8 quantization of EinsumDense and ReversibleEmbedding, checked against
numpy re-derivations of Keras 3.15's formulas (abs-max scales over the contracted axes, int4 grouping
over the reshaped (rows, cols) kernel, merged-LoRA saving)."""

import numpy as np
import pytest
import torch

import torchkeras as tk
from torchkeras.quantizers.einsum_info import quantization_info


def _np(v):
    return np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v.numpy(), dtype=np.float64)


def _einsum(equation, kernel_shape_in, out_shape, bias_axes="d"):
    layer = tk.layers.EinsumDense(equation, out_shape, bias_axes=bias_axes, bias_initializer="random_normal")
    layer.build((None,) + kernel_shape_in)
    return layer


def test_quantization_info_matches_hand_derivation():
    # "ab,bcd->acd": the kernel is reduced over b (axis 0); its scale keeps the kernel's axis order.
    info = quantization_info("ab,bcd->acd", 2)
    assert info.kernel_reduced == [0] and info.kernel_transpose == [0, 1, 2] and info.kernel_expand == []
    assert info.input_reduced == [1] and info.input_expand == [2] and info.grad_equation == "acd,bcd->ab"
    # "btd,ndh->btnh": reduced d sits in the middle of the kernel, so the scale is moved to (1, 1, n, h).
    info = quantization_info("btd,ndh->btnh", 3)
    assert info.kernel_reduced == [1] and info.kernel_transpose == [1, 0, 2] and info.kernel_expand == [1]


def test_int8_values_and_output():
    layer = _einsum("btd,ndh->btnh", (5, 6), (5, 2, 3), bias_axes="nh")
    w = _np(layer.kernel)  # (n=2, d=6, h=3)
    x = np.random.default_rng(0).standard_normal((4, 5, 6)).astype("float32")
    layer.quantize("int8")
    scale = 127.0 / (np.abs(w).max(axis=1, keepdims=True) + 1e-7)  # over d
    q = np.clip(np.round(w * scale), -127, 127)
    np.testing.assert_array_equal(_np(layer._kernel), q)
    np.testing.assert_allclose(_np(layer.kernel_scale), scale.transpose(1, 0, 2)[None], rtol=1e-6)
    xs = 127.0 / (np.abs(x).max(axis=-1, keepdims=True) + 1e-7)
    qx = np.clip(np.round(x.astype(np.float64) * xs), -127, 127)
    expected = np.einsum("btd,ndh->btnh", qx, q) / (xs[..., None] * scale.transpose(1, 0, 2)[None])
    expected += _np(layer.bias)
    np.testing.assert_allclose(_np(layer(x)), expected, rtol=1e-5, atol=1e-5)
    assert layer._kernel.dtype == torch.int8 and layer.dtype_policy.name == "int8_from_float32"


@pytest.mark.parametrize("block", [None, 4])
def test_int4_layout_and_output(block):
    layer = _einsum("bnh,nhd->bd", (2, 5), (3,))
    w = _np(layer.kernel)  # (2, 5, 3): rows n*h = 10, cols 3
    layer.quantize("int4", config=tk.quantizers.Int4QuantizationConfig(block_size=block))
    flat = w.reshape(10, 3)
    if block is None:
        scale = 7.0 / (np.abs(flat).max(axis=0) + 1e-7)
        deq = np.clip(np.round(flat * scale), -8, 7) / scale
        assert tuple(layer.kernel_scale.shape) == (3,) and "g_idx" not in layer._parameters
    else:
        deq = np.zeros_like(flat)
        padded = np.concatenate([flat, np.zeros((2, 3))])  # Keras pads the last group with zero rows
        for g in range(3):  # ceil(10 / 4) groups of rows
            blk = padded[g * 4:(g + 1) * 4]
            lo, hi = blk.min(0), blk.max(0)
            s = (hi - lo + 1e-7) / 15.0
            z = np.clip(np.round(-lo / s) - 8, -8, 7)
            deq[g * 4:(g + 1) * 4] = ((np.clip(np.round(blk / s) + z, -8, 7) - z) * s)[:len(flat[g * 4:])]
        np.testing.assert_array_equal(_np(layer.g_idx), np.arange(10) // 4)
        assert tuple(layer.kernel_scale.shape) == (3, 3)
    assert tuple(layer._kernel.shape) == (10, 2)  # 3 columns packed into 2 bytes
    x = np.random.default_rng(1).standard_normal((4, 2, 5)).astype("float32")
    expected = np.einsum("bnh,nhd->bd", x, deq.reshape(2, 5, 3)) + _np(layer.bias)
    np.testing.assert_allclose(_np(layer(x)), expected, rtol=1e-4, atol=1e-5)


def test_lora_shapes_kernel_and_training():
    layer = _einsum("ab,bcd->acd", (3,), (4, 5), bias_axes=None)
    base = _np(layer.kernel)
    layer.enable_lora(2, lora_alpha=3.0)
    assert tuple(layer.lora_kernel_a.shape) == (3, 4, 2) and tuple(layer.lora_kernel_b.shape) == (2, 5)
    assert [v.name for v in layer.trainable_weights] == ["lora_kernel_a", "lora_kernel_b"]
    assert [v.name for v in layer.weights] == ["kernel", "lora_kernel_a", "lora_kernel_b"]
    a = np.random.default_rng(2).standard_normal((3, 4, 2)).astype("float32")
    b = np.random.default_rng(3).standard_normal((2, 5)).astype("float32")
    layer.lora_kernel_a.assign(a)
    layer.lora_kernel_b.assign(b)
    merged = base + 1.5 * (a @ b)
    np.testing.assert_allclose(_np(layer.kernel), merged, rtol=1e-5, atol=1e-6)
    x = np.random.default_rng(4).standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(_np(layer(x)), np.einsum("ab,bcd->acd", x, merged), rtol=1e-5, atol=1e-5)
    out = layer(torch.from_numpy(x))
    out.sum().backward()
    assert layer.lora_kernel_a.grad is not None and layer._kernel.grad is None
    store = {}
    layer.save_own_variables(store)
    np.testing.assert_allclose(store["0"], merged, rtol=1e-5, atol=1e-6)


def test_int8_lora_forward_and_merged_save():
    layer = _einsum("ab,bc->ac", (6,), (4,), bias_axes=None)
    layer.quantize("int8")
    layer.enable_lora(2)
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((6, 2)).astype("float32"), rng.standard_normal((2, 4)).astype("float32")
    layer.lora_kernel_a.assign(a)
    layer.lora_kernel_b.assign(b)
    deq = _np(layer._kernel) / _np(layer.kernel_scale)
    x = rng.standard_normal((3, 6)).astype("float32")
    plain = tk.layers.EinsumDense("ab,bc->ac", (4,))
    plain.build((None, 6))
    store = {}
    layer.save_own_variables(store)
    merged = deq + (a @ b)
    scale = 127.0 / (np.abs(merged).max(axis=0, keepdims=True) + 1e-7)
    np.testing.assert_array_equal(store["0"], np.clip(np.round(merged * scale), -127, 127))
    np.testing.assert_allclose(store["1"], scale, rtol=1e-6)
    assert tuple(layer(x).shape) == (3, 4)


def test_float8_training_updates_history():
    layer = _einsum("ab,bc->ac", (8,), (4,), bias_axes="c")
    layer.quantize("float8")
    assert len(layer.trainable_weights) == 8
    x = torch.randn(5, 8)
    y = layer(x, training=True)
    y.sum().backward()
    np.testing.assert_allclose(_np(layer.inputs_amax_history)[0], float(x.abs().max()), rtol=1e-6)
    assert float(layer.outputs_grad_amax_history[0]) == 1.0


@pytest.mark.parametrize("mode", ["int8", "int4", "float8", "int4+lora", "int8+lora"])
def test_keras_file_round_trip(tmp_path, mode):
    layer = _einsum("btd,ndh->btnh", (5, 6), (5, 2, 3), bias_axes="h")
    model = tk.Sequential([tk.Input((5, 6)), layer])
    layer.quantize(mode.split("+")[0])
    if "lora" in mode:
        layer.enable_lora(2)
    x = np.random.default_rng(6).standard_normal((2, 5, 6)).astype("float32")
    model.save(tmp_path / "m.keras")
    loaded = tk.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].quantization_mode == mode.split("+")[0]
    tol = 0.05 if "lora" in mode else 1e-6  # saving re-quantizes the merged kernel, as Keras
    np.testing.assert_allclose(_np(loaded(x)), _np(model(x)), atol=tol)


def test_errors():
    layer = tk.layers.EinsumDense("ab,bc->ac", (4,))
    with pytest.raises(ValueError, match="Cannot quantize a layer that isn't yet built"):
        layer.quantize("int8")
    with pytest.raises(ValueError, match="Cannot enable lora on a layer that isn't yet built"):
        layer.enable_lora(2)
    layer.build((None, 3))
    layer.quantize("int8")
    with pytest.raises(ValueError, match="is already quantized"):
        layer.quantize("int4")

    class Sub(tk.layers.EinsumDense):
        pass

    sub = Sub("ab,bc->ac", (4,))
    sub.build((None, 3))
    with pytest.raises(NotImplementedError):
        sub.quantize("int8")


@pytest.mark.parametrize("mode", ["int8", "int4"])
@pytest.mark.parametrize("tie", [True, False])
def test_reversible_embedding_reverse_logits(mode, tie):
    layer = tk.layers.ReversibleEmbedding(10, 6, tie_weights=tie)
    layer.build()
    rev = _np(layer.embeddings).T if tie else _np(layer.reverse_embeddings)  # (6, 10)
    layer.quantize(mode, config=tk.quantizers.Int4QuantizationConfig(block_size=None) if mode == "int4" else None)
    names = [v.name for v in layer.weights]
    if not tie:
        assert names[-2:] == ["reverse_embeddings", "reverse_embeddings_scale"]
    top = 127.0 if mode == "int8" else 7.0
    lo = -127 if mode == "int8" else -8
    # Tied: the embeddings' per-row scale; untied: a per-vocabulary-column scale of the reverse matrix.
    scale = top / (np.abs(rev).max(axis=0) + 1e-7)
    q = np.clip(np.round(rev * scale), lo, top)
    h = np.random.default_rng(7).standard_normal((3, 6)).astype("float32")
    # int8 quantizes the hidden states per row by default; Int4QuantizationConfig defaults to weights only.
    hs = 127.0 / (np.abs(h).max(axis=-1, keepdims=True) + 1e-7) if mode == "int8" else np.ones((3, 1))
    qh = np.clip(np.round(h.astype(np.float64) * hs), -127, 127) if mode == "int8" else h.astype(np.float64)
    np.testing.assert_allclose(_np(layer(h, reverse=True)), (qh @ q) / (hs * scale), rtol=1e-5, atol=1e-5)
