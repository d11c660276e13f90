"""GPTQ and AWQ against real tf.keras 3.15: the same model (Embedding, then a block of 3-D EinsumDense
projections and Dense layers) with the same weights, quantized with the same config and calibration data
in both libraries; the calibrated variables (names, order, values), outputs, save_own_variables and
configs must agree. Also the one-layer algorithms (`GPTQ` with a real Hessian, `AWQ` with real
activation statistics, from keras.src) on the same inputs.

Tolerances: integer levels, zero points and g_idx exactly; scales and outputs to float32 rounding
(rtol 1e-5). With a real Hessian, TF's and torch's matrix inverses differ in the last bits, and GPTQ's
error feedback can then move a weight sitting on a rounding boundary by one level: at most 1% of the
levels may differ by one, none by more."""

import numpy as np
import pytest
import torch  # noqa: F401  (torch before tensorflow)

import torchkeras as tk
from conformance import reference

keras = reference.load()

D, H, K, FF, VOCAB, SEQ = 8, 2, 3, 16, 30, 6


def _block_class(lib):
    class Block(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.qkv = lib.layers.EinsumDense("abc,cde->abde", (None, H, K), bias_axes="de")
            self.out = lib.layers.EinsumDense("abcd,cde->abe", (None, D), bias_axes="e")
            self.d1 = lib.layers.Dense(FF, activation="relu")
            self.d2 = lib.layers.Dense(D)

        def call(self, x):
            return self.d2(self.d1(self.out(self.qkv(x)) + x))

    return Block


def _model(lib):
    inp = lib.layers.Input((SEQ,), dtype="int32")
    emb = lib.layers.Embedding(VOCAB, D)
    block = _block_class(lib)()
    model = lib.Model(inp, block(emb(inp)))
    return model, emb, block


def _tokenizer():
    def tok(x):
        return np.asarray([ord(c) % VOCAB for c in x] if isinstance(x, str) else x, dtype="int64")[None]
    tok.tokenize = tok
    return tok


def _pair():
    km, kemb, kblock = _model(keras)
    tm, temb, tblock = _model(tk)
    rng = np.random.default_rng(3)
    for kl, tl in ((kemb, temb), (kblock.qkv, tblock.qkv), (kblock.out, tblock.out), (kblock.d1, tblock.d1),
                   (kblock.d2, tblock.d2)):
        ws = [rng.standard_normal(tuple(w.shape)).astype("float32") * 0.5 for w in kl.get_weights()]
        kl.set_weights(ws)
        tl.set_weights(ws)
    return (km, kemb, kblock), (tm, temb, tblock)


def _num(v):
    v = v.numpy() if hasattr(v, "numpy") else v
    return np.asarray(v.detach().numpy() if isinstance(v, torch.Tensor) else v)


GPTQ_CASES = {
    "per_channel": dict(group_size=-1),
    "grouped": dict(group_size=4),
    "grouped_partial_sym": dict(group_size=5, symmetric=True),
    "act_order": dict(group_size=4, activation_order=True),
    "symmetric": dict(group_size=-1, symmetric=True),
    "8bit": dict(group_size=-1, weight_bits=8),
    "3bit_per_tensor": dict(group_size=-1, weight_bits=3, per_channel=False),
}
MODEL_GPTQ_CASES = ["per_channel", "grouped_partial_sym", "act_order", "3bit_per_tensor"]
AWQ_CASES = {"per_channel": dict(group_size=-1), "grouped": dict(group_size=4), "grid_3": dict(group_size=5,
                                                                                                  num_grid_points=3)}
MODEL_AWQ_CASES = ["per_channel", "grouped"]


def _quantize(lib, model, emb, block, mode, kwargs):
    cls = lib.quantizers.GPTQConfig if mode == "gptq" else lib.quantizers.AWQConfig
    data = ["calibration text for the block", "another sentence"]
    cfg = cls(dataset=data, tokenizer=_tokenizer(), num_samples=3, sequence_length=SEQ,
              quantization_layer_structure={"pre_block_layers": [emb], "sequential_blocks": [block]}, **kwargs)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize(mode, config=cfg)


def _compare(k, t, mode):
    (km, _, kb), (tm, _, tb) = k, t
    for name in ("qkv", "out", "d1", "d2"):
        kl, tl = getattr(kb, name), getattr(tb, name)
        assert [w.name for w in tl.weights] == [w.name for w in kl.weights], name
        assert [str(_num(w).dtype) for w in tl.weights] == [str(_num(w).dtype) for w in kl.weights], name
        assert getattr(tl, f"is_{mode}_calibrated") and getattr(kl, f"is_{mode}_calibrated")
        for kw, tw in zip(kl.weights, tl.weights):
            a, b = _num(tw), _num(kw)
            assert a.shape == b.shape, (name, kw.name)
            if a.dtype.kind in "ui" or kw.name == "g_idx":
                np.testing.assert_array_equal(a, b, err_msg=f"{name}/{kw.name}")
            else:
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7, err_msg=f"{name}/{kw.name}")
        np.testing.assert_array_equal(_num(tl.kernel), _num(kl.kernel))
        ks, ts = {}, {}
        kl.save_own_variables(ks)
        tl.save_own_variables(ts)
        # Keras 3.15.1 skips `kernel_zero` when saving a gptq / awq layer (and so cannot load its own
        # file back: "expected 5 variables, but received 4"); torchkeras writes the full
        # variable_serialization_spec (bias, kernel, kernel_scale, kernel_zero, ...), which is what
        # Keras's own load_own_variables tests feed. Apart from that entry the stores agree.
        ours = [ts[str(i)] for i in range(len(ts))]
        assert len(ours) == len(ks) + 1
        np.testing.assert_array_equal(_num(ours.pop(3)), _num(tl.kernel_zero))
        for key, value in zip(sorted(ks, key=int), ours):
            np.testing.assert_allclose(_num(value).astype("float64"), _num(ks[key]).astype("float64"), rtol=1e-5)
        assert tl.dtype_policy.name == kl.dtype_policy.name
        assert tk.dtype_policies.serialize(tl.dtype_policy)["config"] == \
            keras.dtype_policies.serialize(kl.dtype_policy)["config"]
        # (no get_config here: the config holds quantization_layer_structure, i.e. the layers themselves,
        # and Keras 3.15 recurses forever serializing it; the layer tests below compare configs)
    x = np.random.default_rng(0).integers(0, VOCAB, size=(2, SEQ)).astype("int32")
    np.testing.assert_allclose(tm(x).detach().numpy(), np.asarray(km(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", MODEL_GPTQ_CASES)
def test_model_quantize_gptq_matches_keras(case):
    k, t = _pair()
    _quantize(keras, *k, "gptq", GPTQ_CASES[case])
    _quantize(tk, *t, "gptq", GPTQ_CASES[case])
    _compare(k, t, "gptq")


@pytest.mark.parametrize("case", MODEL_AWQ_CASES)
def test_model_quantize_awq_matches_keras(case):
    k, t = _pair()
    _quantize(keras, *k, "awq", AWQ_CASES[case])
    _quantize(tk, *t, "awq", AWQ_CASES[case])
    _compare(k, t, "awq")


def _compare_configs(kl, tl):
    tcfg, kcfg = tl.get_config(), kl.get_config()
    assert sorted(tcfg) == sorted(kcfg)
    for key in ("quantization_config", "dtype"):
        assert tcfg[key]["class_name"] == kcfg[key]["class_name"]
        assert tcfg[key]["config"] == kcfg[key]["config"], key
    # A layer rebuilt from the config has Keras's (uncalibrated) gptq / awq variables.
    kn, tn = type(kl).from_config(kcfg), type(tl).from_config(tcfg)
    rows = kl.g_idx.shape[0]
    kn.build((None, rows))
    tn.build((None, rows))
    assert [(w.name, tuple(w.shape)) for w in tn.weights] == [(w.name, tuple(w.shape)) for w in kn.weights]


def _layers(kernel_shape, equation=None, out_shape=None):
    rng = np.random.default_rng(7)
    w = rng.standard_normal(kernel_shape).astype("float32")
    pair = []
    for lib in (keras, tk):
        if equation is None:
            layer = lib.layers.Dense(kernel_shape[1], use_bias=False)
            layer.build((None, kernel_shape[0]))
        else:
            layer = lib.layers.EinsumDense(equation, out_shape)
            layer.build((None, kernel_shape[0]))
        layer.set_weights([w])
        pair.append(layer)
    return pair


LAYER_CASES = {
    "dense": ((12, 6), None, None),
    "einsum_qkv": ((12, 2, 3), "ab,bcd->acd", (2, 3)),
}


def _inputs(rows):
    rng = np.random.default_rng(11)
    # Channels of very different magnitudes: the Hessian / activation statistics matter.
    return (rng.standard_normal((64, rows)) * np.linspace(0.1, 4.0, rows)).astype("float32")


@pytest.mark.parametrize("layer_case", list(LAYER_CASES))
@pytest.mark.parametrize("case", list(GPTQ_CASES))
def test_gptq_layer_with_hessian_matches_keras(layer_case, case):
    from keras.src.quantizers.gptq import GPTQ as KGPTQ

    from torchkeras.quantizers.gptq import GPTQ as TGPTQ
    kl, tl = _layers(*LAYER_CASES[layer_case])
    x = _inputs(12)
    levels = []
    for lib, layer, cls in ((keras, kl, KGPTQ), (tk, tl, TGPTQ)):
        cfg = lib.quantizers.GPTQConfig(dataset=None, tokenizer=None, **GPTQ_CASES[case])
        layer.quantize("gptq", config=cfg)
        g = cls(layer, cfg)
        g.update_hessian_with_batch(x[:40])
        g.update_hessian_with_batch(x[40:])
        levels.append(g)
    kg, tg = levels
    np.testing.assert_allclose(_num(tg.hessian), _num(kg.hessian), rtol=1e-5, atol=1e-5)
    kg.quantize_and_correct_layer()
    tg.quantize_and_correct_layer()
    kq, tq = _num(kl.kernel).astype(int), _num(tl.kernel).astype(int)
    assert np.abs(kq - tq).max() <= 1 and (kq != tq).mean() <= 0.01
    for name in ("kernel_zero", "g_idx"):
        np.testing.assert_array_equal(_num(getattr(tl, name)), _num(getattr(kl, name)))
    np.testing.assert_allclose(_num(tl.kernel_scale), _num(kl.kernel_scale), rtol=1e-5)
    _compare_configs(kl, tl)
    y_k, y_t = np.asarray(kl(x)), tl(x).detach().numpy()
    np.testing.assert_allclose(y_t, y_k, rtol=1e-3, atol=0.02 * np.abs(y_k).max())


@pytest.mark.parametrize("layer_case", list(LAYER_CASES))
@pytest.mark.parametrize("case", list(AWQ_CASES))
def test_awq_layer_with_activations_matches_keras(layer_case, case):
    from keras.src.quantizers.awq import AWQ as KAWQ

    from torchkeras.quantizers.awq import AWQ as TAWQ
    kl, tl = _layers(*LAYER_CASES[layer_case])
    x = _inputs(12)
    objs = []
    for lib, layer, cls in ((keras, kl, KAWQ), (tk, tl, TAWQ)):
        cfg = lib.quantizers.AWQConfig(dataset=None, tokenizer=None, **AWQ_CASES[case])
        layer.quantize("awq", config=cfg)
        a = cls(layer, cfg)
        a.update_activation_magnitudes(x[:40])
        a.update_activation_magnitudes(x[40:])
        objs.append(a)
    np.testing.assert_array_equal(_num(objs[1].activation_magnitudes), _num(objs[0].activation_magnitudes))
    for a in objs:
        a.quantize_layer()
    np.testing.assert_allclose(_num(tl.awq_scales), _num(kl.awq_scales), rtol=1e-5)
    if case != "grid_3":  # (ratios 0, 1/3, 2/3, 1: here ratio 0, all ones, wins in both)
        assert not np.allclose(_num(kl.awq_scales), 1.0)  # the search picked activation-aware scales
    for name in ("kernel", "kernel_zero", "g_idx"):
        np.testing.assert_array_equal(_num(getattr(tl, name)), _num(getattr(kl, name)), err_msg=name)
    np.testing.assert_allclose(_num(tl.kernel_scale), _num(kl.kernel_scale), rtol=1e-5)
    _compare_configs(kl, tl)
    np.testing.assert_allclose(tl(x).detach().numpy(), np.asarray(kl(x)), rtol=1e-5, atol=1e-4)
