"""LoRA and int8 / int4 / float8 quantization of Dense, Embedding, EinsumDense and ReversibleEmbedding
against real tf.keras: the
quantized variables (values, names, order), outputs, save_own_variables, dtype policies and .keras
files written by one library and loaded by the other."""

import numpy as np
import pytest
import torch  # noqa: F401  (torch before tensorflow)

import torchkeras as tk
from conformance import reference

keras = reference.load()

MODES = ["int8", "int4", "int4_per_channel", "float8", "lora", "int8+lora", "int4+lora", "int4_per_channel+lora"]


def _lib(layer):
    return keras if type(layer).__module__.startswith("keras") else tk


def _apply(layer, mode, lora_seed=1):
    base = mode.split("+")[0]
    lib = _lib(layer)
    if base == "int4_per_channel":
        layer.quantize("int4", config=lib.quantizers.Int4QuantizationConfig(block_size=-1))
    elif base == "int4" and isinstance(layer, lib.layers.Embedding):
        layer.quantize("int4", config=lib.quantizers.Int4QuantizationConfig(block_size=2))
    elif base == "int4" and isinstance(layer, lib.layers.EinsumDense):
        # Groups of 4 contracted rows: several groups (one partial) in the small kernels below.
        layer.quantize("int4", config=lib.quantizers.Int4QuantizationConfig(block_size=4))
    elif base in ("int8", "int4", "float8"):
        layer.quantize(base)
    if "lora" in mode:
        layer.enable_lora(2)
        names = ("lora_kernel_a", "lora_kernel_b") if hasattr(layer, "lora_kernel_a") else \
            ("lora_embeddings_a", "lora_embeddings_b")
        rng = np.random.default_rng(lora_seed)
        for n in names:
            v = getattr(layer, n)
            v.assign(rng.standard_normal(tuple(v.shape)).astype("float32") * 0.3)


def _num(v):
    return np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=np.float64)


def _compare_layers(k, t, x):
    assert [w.name for w in t.weights] == [w.name for w in k.weights]
    assert [len(t.trainable_weights), len(t.non_trainable_weights)] == \
        [len(k.trainable_weights), len(k.non_trainable_weights)]
    for kw, tw in zip(k.weights, t.weights):
        np.testing.assert_allclose(_num(tw), _num(kw), rtol=1e-5, atol=1e-6, err_msg=kw.name)
    np.testing.assert_allclose(t(x).detach().numpy(), np.asarray(k(x)), rtol=1e-5, atol=2e-6)
    ks, ts = {}, {}
    k.save_own_variables(ks)
    t.save_own_variables(ts)
    assert sorted(ks) == sorted(ts)
    for key in ks:
        np.testing.assert_allclose(_num(ts[key]), _num(ks[key]), rtol=1e-5, atol=1e-6)
    assert t.dtype_policy.name == k.dtype_policy.name
    assert tk.dtype_policies.serialize(t.dtype_policy)["config"] == keras.dtype_policies.serialize(
        k.dtype_policy)["config"]
    tcfg, kcfg = t.get_config(), k.get_config()
    assert sorted(tcfg) == sorted(kcfg)
    assert tcfg["dtype"]["class_name"] == kcfg["dtype"]["class_name"]


@pytest.mark.parametrize("mode", MODES)
def test_dense_matches_keras(mode):
    x = np.random.default_rng(0).standard_normal((4, 10)).astype("float32")
    k = keras.layers.Dense(5, bias_initializer="random_normal")
    k.build((None, 10))
    t = tk.layers.Dense(5)
    t.build((None, 10))
    t.set_weights([np.asarray(w) for w in k.get_weights()])
    _apply(k, mode)
    _apply(t, mode)
    _compare_layers(k, t, x)


@pytest.mark.parametrize("mode", [m for m in MODES if not m.startswith("float8")])
def test_embedding_matches_keras(mode):
    ids = np.random.default_rng(0).integers(0, 8, size=(3, 4)).astype("int32")
    k = keras.layers.Embedding(8, 5)
    k.build()
    t = tk.layers.Embedding(8, 5)
    t.build()
    t.set_weights([np.asarray(w) for w in k.get_weights()])
    _apply(k, mode)
    _apply(t, mode)
    _compare_layers(k, t, ids)


# (equation, output_shape, bias_axes, input shape): one reduced axis first, a reduced axis in the middle
# of the kernel (scale transposed), two reduced axes, an elided batch, and an output axis the kernel lacks.
EINSUM_CASES = [
    ("ab,bcd->acd", (3, 4), "d", (4, 6)),
    ("btd,ndh->btnh", (5, 2, 3), "nh", (2, 5, 6)),
    ("bnh,nhd->bd", (4,), "d", (3, 2, 5)),
    ("...b,bc->...c", (7,), "c", (2, 3, 6)),  # Keras 3.15 cannot int-quantize "..." (TypeError): LoRA/float8
    ("abc,cd->abd", (5, 3), None, (2, 5, 9)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", range(len(EINSUM_CASES)))
def test_einsum_dense_matches_keras(mode, case):
    equation, out_shape, bias_axes, in_shape = EINSUM_CASES[case]
    if "..." in equation and mode.startswith("int"):
        pytest.skip("Keras 3.15 raises TypeError quantizing an elided equation to int8/int4 (torchkeras does it)")
    x = np.random.default_rng(case).standard_normal(in_shape).astype("float32")
    k = keras.layers.EinsumDense(equation, out_shape, bias_axes=bias_axes, bias_initializer="random_normal")
    k.build((None,) + in_shape[1:])
    t = tk.layers.EinsumDense(equation, out_shape, bias_axes=bias_axes)
    t.build((None,) + in_shape[1:])
    t.set_weights([np.asarray(w) for w in k.get_weights()])
    _apply(k, mode)
    _apply(t, mode)
    _compare_layers(k, t, x)


@pytest.mark.parametrize("mode", [m for m in MODES if not m.startswith("float8")])
@pytest.mark.parametrize("tie", [True, False])
def test_reversible_embedding_matches_keras(mode, tie):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 8, size=(3, 4)).astype("int32")
    hidden = rng.standard_normal((3, 4, 6)).astype("float32")
    k = keras.layers.ReversibleEmbedding(8, 6, tie_weights=tie, logit_soft_cap=3.0)
    k.build()
    t = tk.layers.ReversibleEmbedding(8, 6, tie_weights=tie, logit_soft_cap=3.0)
    t.build()
    t.set_weights([np.asarray(w) for w in k.get_weights()])
    _apply(k, mode)
    _apply(t, mode)
    _compare_layers(k, t, ids)
    np.testing.assert_allclose(t(hidden, reverse=True).detach().numpy(), np.asarray(k(hidden, reverse=True)),
                               rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("dtype", ["int8_from_float32", "int4_from_float32", "int4/4_from_float32",
                                   "float8_from_float32"])
def test_einsum_dense_quantized_policy_build(dtype):
    k = keras.layers.EinsumDense("btd,ndh->btnh", (5, 2, 3), bias_axes="h", dtype=dtype)
    k.build((None, 5, 6))
    t = tk.layers.EinsumDense("btd,ndh->btnh", (5, 2, 3), bias_axes="h", dtype=dtype)
    t.build((None, 5, 6))
    assert [(w.name, tuple(w.shape), str(w.dtype).replace("torch.", "")) for w in t.weights] == \
        [(w.name, tuple(w.shape), str(w.dtype)) for w in k.weights]
    t.set_weights([np.asarray(w) for w in k.get_weights()])
    x = np.random.default_rng(1).standard_normal((2, 5, 6)).astype("float32")
    np.testing.assert_allclose(t(x).detach().numpy(), np.asarray(k(x)), rtol=1e-5, atol=2e-6)


def _model(lib):
    return lib.Sequential([lib.Input((6,), dtype="int32"), lib.layers.Embedding(12, 8),
                           lib.layers.Dense(4, activation="relu"), lib.layers.Dense(2)])


def _einsum_model(lib, tie):
    return lib.Sequential([lib.Input((6,), dtype="int32"), lib.layers.ReversibleEmbedding(12, 8, tie_weights=tie),
                           lib.layers.EinsumDense("btd,ndh->btnh", (6, 2, 3), bias_axes="nh", activation="relu"),
                           lib.layers.EinsumDense("btnh,nhd->btd", (6, 4), bias_axes="d")])


@pytest.mark.parametrize("model", ["dense", "einsum"])
@pytest.mark.parametrize("mode", ["int8", "int4", "lora", "int8+lora", "int4+lora", "float8"])
def test_keras_files_both_ways(tmp_path, mode, model):
    # Keras 3.15 cannot load an untied ReversibleEmbedding with LoRA (its tracker is locked by then).
    build = _model if model == "dense" else lambda lib: _einsum_model(lib, tie="lora" in mode)
    km, tm = build(keras), build(tk)
    tm.set_weights([np.asarray(w) for w in km.get_weights()])
    for m in (km, tm):
        for i, layer in enumerate(m.layers):
            if mode == "float8" and i == 0:
                continue  # Embedding has no float8 mode, in Keras either
            _apply(layer, mode, lora_seed=i)
    x = np.random.default_rng(0).integers(0, 12, size=(3, 6)).astype("int32")
    np.testing.assert_allclose(tm(x).detach().numpy(), np.asarray(km(x)), rtol=1e-5, atol=2e-6)
    km.save(tmp_path / "k.keras")
    tm.save(tmp_path / "t.keras")
    k_from_t = keras.models.load_model(tmp_path / "t.keras")
    t_from_k = tk.models.load_model(tmp_path / "k.keras")
    # Saving merges LoRA into the weights (re-quantized), so compare each loaded model with the
    # other library's loaded model.
    k_ref = keras.models.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(t_from_k(x).detach().numpy(), np.asarray(k_ref(x)), rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(np.asarray(k_from_t(x)), np.asarray(k_ref(x)), rtol=1e-5, atol=2e-6)
    for kl, tl in zip(k_ref.layers, t_from_k.layers):
        assert [w.name for w in tl.weights] == [w.name for w in kl.weights]
        assert tl.dtype_policy.name == kl.dtype_policy.name


def test_quantizer_functions_match_keras():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((9, 4)).astype("float32")
    for fn, args in ((lambda lib: lib.quantizers.abs_max_quantize(w, axis=0), None),
                     (lambda lib: lib.quantizers.abs_max_quantize_grouped_with_zero_point(w, 4, to_numpy=True), None),
                     (lambda lib: lib.quantizers.compute_float8_scale(np.float32(3.0), np.float32(0.5), 448.0), None),
                     (lambda lib: lib.quantizers.compute_float8_amax_history(w, np.arange(6, dtype="float32")), None),
                     (lambda lib: lib.quantizers.quantize_and_dequantize(w * 100, np.float32(0.7), "float8_e4m3fn",
                                                                         "float32"), None),
                     (lambda lib: lib.quantizers.fake_quant_with_min_max_vars(w, -1.0, 1.5, num_bits=4), None),
                     (lambda lib: lib.quantizers.fake_quant_with_min_max_vars(
                         w, np.full(4, -0.5, "float32"), np.full(4, 1.0, "float32"), axis=-1), None)):
        ours, theirs = fn(tk), fn(keras)
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(_num(a), _num(b), rtol=1e-6, atol=1e-6)
    a = rng.integers(-8, 8, size=(5, 3)).astype("int8")
    for axis in (0, 1):
        np.testing.assert_array_equal(tk.quantizers.pack_int4(a, axis=axis)[0].numpy(),
                                      np.asarray(keras.quantizers.pack_int4(a, axis=axis)[0]))
