"""Conv1D/2D/3D's `convolution_op` hook and LoRA against real tf.keras: the keras-io recipe's
StandardizedConv2D in both forms (a `call` that passes its own kernel to `convolution_op`, and a
`convolution_op` override), LoRA outputs / variables / save_own_variables / config / errors, and
.keras files with LoRA written by one library and loaded by the other."""

import numpy as np
import pytest
import torch  # noqa: F401  (torch before tensorflow)

import torchkeras as tk
from conformance import reference

keras = reference.load()


def _num(v):
    return np.asarray(v.detach().numpy() if hasattr(v, "detach") else v, dtype=np.float64)


def _out(y):
    return y.detach().numpy() if hasattr(y, "detach") else np.asarray(y)


def _standardized_classes(lib):
    """The recipe's two StandardizedConv2D forms (keras-io subclassing_conv_layers), in `lib`'s ops."""
    class WithOverride(lib.layers.Conv2D):
        def convolution_op(self, inputs, kernel):
            mean, var = lib.ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
            return lib.ops.conv(inputs, (kernel - mean) / lib.ops.sqrt(var + 1e-10), padding="valid",
                                strides=list(self.strides), data_format=self.data_format)

    class WithCall(lib.layers.Conv2D):
        def call(self, inputs):
            mean, var = lib.ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
            result = self.convolution_op(inputs, (self.kernel - mean) / lib.ops.sqrt(var + 1e-10))
            if self.use_bias:
                result = result + self.bias
            return result

    return WithOverride, WithCall


def _pair(make, build_shape):
    k, t = make(keras), make(tk)
    k.build(build_shape)
    t.build(build_shape)
    t.set_weights([np.asarray(w) for w in k.get_weights()])
    return k, t


@pytest.mark.parametrize("form", ["override", "call"])
@pytest.mark.parametrize("kw", [dict(), dict(strides=2), dict(activation="relu", bias_initializer="random_normal")],
                         ids=["plain", "strides2", "relu_bias"])
def test_standardized_conv2d_matches_keras(form, kw):
    def make(lib):
        override, with_call = _standardized_classes(lib)
        return (override if form == "override" else with_call)(5, 3, **kw)

    k, t = _pair(make, (None, 9, 8, 3))
    x = np.random.default_rng(0).standard_normal((2, 9, 8, 3)).astype("float32")
    np.testing.assert_allclose(_out(t(x)), _out(k(x)), rtol=1e-4, atol=1e-5)


def test_standardized_conv2d_in_a_model_trains_like_keras():
    """One SGD step of a model with both recipe forms: same loss and same updated kernels."""
    def build(lib):
        override, with_call = _standardized_classes(lib)
        m = lib.Sequential([lib.Input((10, 10, 1)), with_call(4, 3, activation="relu"), override(6, 3, activation="relu"),
                            lib.layers.GlobalAveragePooling2D(), lib.layers.Dense(3, activation="softmax")])
        m.compile(optimizer=lib.optimizers.SGD(0.1), loss="categorical_crossentropy")
        return m

    km, tm = build(keras), build(tk)
    tm.set_weights([np.asarray(w) for w in km.get_weights()])
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 10, 10, 1)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 8)]
    kl = km.train_on_batch(x, y)
    tl = tm.train_on_batch(x, y)
    np.testing.assert_allclose(float(np.asarray(tl)), float(np.asarray(kl)), rtol=1e-4)
    for kw_, tw in zip(km.get_weights(), tm.get_weights()):
        np.testing.assert_allclose(tw, kw_, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls,shape,kw", [
    ("Conv2D", (2, 7, 6, 4), dict(groups=2)),
    ("Conv2D", (2, 4, 7, 6), dict(data_format="channels_first", strides=2, padding="same")),
    ("Conv3D", (2, 5, 5, 4, 2), dict(padding="same")),
    ("Conv1D", (2, 9, 4), dict(padding="same", dilation_rate=2)),
], ids=["2d_groups", "2d_cf_same", "3d", "1d_dilated"])
def test_convolution_op_direct_call_matches_keras(cls, shape, kw):
    """`layer.convolution_op(inputs, kernel)` with a kernel of the caller's own (Keras layout)."""
    k, t = _pair(lambda lib: getattr(lib.layers, cls)(6, 3, **kw), (None,) + shape[1:])
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype("float32")
    kernel = rng.standard_normal(tuple(k.kernel.shape)).astype("float32")
    np.testing.assert_allclose(_out(t.convolution_op(torch.as_tensor(x), torch.as_tensor(kernel))),
                               _out(k.convolution_op(x, kernel)), rtol=1e-4, atol=1e-5)


def test_conv1d_call_ignores_a_convolution_op_override_like_keras():
    """Keras's Conv1D.call runs its own conv, not convolution_op: an override changes nothing."""
    def make(lib):
        class Doubled(lib.layers.Conv1D):
            def convolution_op(self, inputs, kernel):
                return 2.0 * super().convolution_op(inputs, kernel)
        return Doubled(3, 2, padding="causal")

    k, t = _pair(make, (None, 7, 2))
    x = np.random.default_rng(3).standard_normal((2, 7, 2)).astype("float32")
    plain = keras.layers.Conv1D(3, 2, padding="causal")
    plain.build((None, 7, 2))
    plain.set_weights(k.get_weights())
    np.testing.assert_allclose(_out(k(x)), _out(plain(x)), rtol=1e-6)  # what Keras does
    np.testing.assert_allclose(_out(t(x)), _out(k(x)), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------- LoRA
LORA_CASES = [
    ("Conv1D", (2, 9, 4), dict(padding="causal")),
    ("Conv1D", (2, 4, 9), dict(data_format="channels_first", strides=2)),
    ("Conv2D", (2, 7, 6, 4), dict(groups=2, activation="relu")),
    # TF 2.21's CPU conv with padding="same" in NCHW adds the wrong bias channel at some positions
    # (measured: output[0, c, 0, 0] gets bias[0]): zero bias there, a random one in the valid cf case.
    ("Conv2D", (2, 4, 7, 6), dict(data_format="channels_first", padding="same", bias_initializer="zeros")),
    ("Conv2D", (2, 4, 8, 7), dict(data_format="channels_first", strides=2)),
    ("Conv2D", (2, 7, 6, 4), dict(use_bias=False, dilation_rate=2)),
    ("Conv3D", (2, 5, 5, 4, 2), dict(padding="same", activation="tanh")),
]
LORA_IDS = ["1d_causal", "1d_cf", "2d_groups_relu", "2d_cf_same", "2d_cf_strided", "2d_nobias_dilated", "3d"]


def _set_lora(layer, seed):
    rng = np.random.default_rng(seed)
    for n in ("lora_kernel_a", "lora_kernel_b"):
        v = getattr(layer, n)
        v.assign(rng.standard_normal(tuple(v.shape)).astype("float32") * 0.3)


@pytest.mark.parametrize("alpha", [None, 3.0])
@pytest.mark.parametrize("case", range(len(LORA_CASES)), ids=LORA_IDS)
def test_enable_lora_matches_keras(case, alpha):
    cls, shape, kw = LORA_CASES[case]
    kw = {"bias_initializer": "random_normal", **kw}
    k, t = _pair(lambda lib: getattr(lib.layers, cls)(6, 3, **kw), (None,) + shape[1:])
    for layer in (k, t):
        layer.enable_lora(2, lora_alpha=alpha)
        _set_lora(layer, 7)
    assert (t.lora_enabled, t.lora_rank, t.lora_alpha) == (k.lora_enabled, k.lora_rank, k.lora_alpha)
    assert [w.name for w in t.weights] == [w.name for w in k.weights]
    assert [w.name for w in t.trainable_weights] == [w.name for w in k.trainable_weights]
    assert [w.name for w in t.non_trainable_weights] == [w.name for w in k.non_trainable_weights]
    for kw_, tw in zip(k.weights, t.weights):
        assert tuple(tw.shape) == tuple(kw_.shape)
        np.testing.assert_allclose(_num(tw), _num(kw_), rtol=1e-6, err_msg=kw_.name)
    np.testing.assert_allclose(_num(t.kernel), _num(k.kernel), rtol=1e-5, atol=1e-6)  # effective kernel
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    np.testing.assert_allclose(_out(t(x)), _out(k(x)), rtol=1e-4, atol=1e-5)
    ks, ts = {}, {}
    k.save_own_variables(ks)
    t.save_own_variables(ts)
    assert sorted(ts) == sorted(ks)
    for key in ks:
        np.testing.assert_allclose(_num(ts[key]), _num(ks[key]), rtol=1e-5, atol=1e-6)
    tcfg, kcfg = t.get_config(), k.get_config()
    assert sorted(tcfg) == sorted(kcfg)
    assert (tcfg["lora_rank"], tcfg["lora_alpha"]) == (kcfg["lora_rank"], kcfg["lora_alpha"])


def test_lora_rank_argument_matches_keras():
    def make(lib):
        return lib.layers.Conv2D(5, 3, kernel_regularizer="l2", lora_rank=2, lora_alpha=4)

    k, t = make(keras), make(tk)
    assert t.get_config()["lora_rank"] == k.get_config()["lora_rank"] == 2
    assert list(t.get_config()) == list(k.get_config())
    k.build((None, 5, 5, 4))
    t.build((None, 5, 5, 4))
    assert [w.name for w in t.weights] == [w.name for w in k.weights]
    assert [tuple(w.shape) for w in t.weights] == [tuple(w.shape) for w in k.weights]
    assert len(t.trainable_weights) == len(k.trainable_weights) == 3
    assert t.lora_alpha == k.lora_alpha == 4
    x = np.random.default_rng(0).standard_normal((2, 5, 5, 4)).astype("float32")
    k(x)
    t(x)
    assert len(t.losses) == len(k.losses) == 2  # the frozen kernel's regularizer no longer counts
    # from_config round trip keeps LoRA
    t2 = tk.layers.Conv2D.from_config(t.get_config())
    t2.build((None, 5, 5, 4))
    assert t2.lora_enabled and t2.lora_alpha == 4


def _raises(make_and_call):
    msgs = []
    for lib in (keras, tk):
        with pytest.raises(ValueError) as e:
            make_and_call(lib)
        msgs.append(str(e.value))
    return msgs


@pytest.mark.parametrize("what", ["unbuilt", "twice", "constraint"])
def test_enable_lora_errors_match_keras(what):
    def go(lib):
        kw = {"kernel_constraint": "non_neg"} if what == "constraint" else {}
        layer = lib.layers.Conv2D(4, 3, **kw)
        if what != "unbuilt":
            layer.build((None, 6, 6, 2))
        layer.enable_lora(2)
        if what == "twice":
            layer.enable_lora(2)

    k_msg, t_msg = _raises(go)
    assert t_msg == k_msg


def _lora_model(lib):
    return lib.Sequential([lib.Input((8, 8, 3)), lib.layers.Conv2D(4, 3, activation="relu"),
                           lib.layers.Conv2D(5, 3, padding="same", groups=1, data_format="channels_last"),
                           lib.layers.Flatten(), lib.layers.Dense(2)])


def test_keras_files_with_lora_both_ways(tmp_path):
    km, tm = _lora_model(keras), _lora_model(tk)
    tm.set_weights([np.asarray(w) for w in km.get_weights()])
    for m in (km, tm):
        for i, layer in enumerate(m.layers[:2]):
            layer.enable_lora(2, lora_alpha=3)
            _set_lora(layer, i)
    x = np.random.default_rng(0).standard_normal((3, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(_out(tm(x)), _out(km(x)), rtol=1e-4, atol=1e-5)
    km.save(tmp_path / "k.keras")
    tm.save(tmp_path / "t.keras")
    k_from_t = keras.models.load_model(tmp_path / "t.keras")
    t_from_k = tk.models.load_model(tmp_path / "k.keras")
    # Saving merges LoRA into the kernel; the loaded layers have LoRA enabled with zero factors.
    np.testing.assert_allclose(_out(t_from_k(x)), _out(km(x)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_out(k_from_t(x)), _out(km(x)), rtol=1e-4, atol=1e-5)
    for kl, tl in zip(k_from_t.layers[:2], t_from_k.layers[:2]):
        assert tl.lora_enabled and kl.lora_enabled
        assert (tl.lora_rank, tl.lora_alpha) == (kl.lora_rank, kl.lora_alpha)
        assert [w.name for w in tl.weights] == [w.name for w in kl.weights]
        np.testing.assert_allclose(_num(tl.lora_kernel_b), 0.0)


def test_weights_h5_lora_into_plain_and_back_like_keras(tmp_path):
    """A LoRA model's weights file loads into a plain model (merged kernel), and a plain file into a
    LoRA model (the factors reset to zero), as Keras."""
    km, tm = _lora_model(keras), _lora_model(tk)
    tm.set_weights([np.asarray(w) for w in km.get_weights()])
    for m in (km, tm):
        m.layers[0].enable_lora(2)
        _set_lora(m.layers[0], 5)
    tm.save_weights(tmp_path / "t.weights.h5")
    plain_k = _lora_model(keras)
    plain_k.load_weights(tmp_path / "t.weights.h5")
    x = np.random.default_rng(0).standard_normal((2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(_out(plain_k(x)), _out(km(x)), rtol=1e-4, atol=1e-5)
    plain_k.save_weights(tmp_path / "k_plain.weights.h5")
    tm.load_weights(tmp_path / "k_plain.weights.h5")
    np.testing.assert_allclose(_out(tm(x)), _out(plain_k(x)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_num(tm.layers[0].lora_kernel_a), 0.0)


@pytest.mark.parametrize("lora", [False, True])
def test_override_and_lora_under_mixed_float16_match_keras(lora):
    def make(lib):
        override, _ = _standardized_classes(lib)
        return override(4, 3, dtype="mixed_float16", bias_initializer="random_normal",
                        lora_rank=2 if lora else None)

    k, t = _pair(make, (None, 7, 7, 3))
    x = np.random.default_rng(4).standard_normal((2, 7, 7, 3)).astype("float32")
    ky, ty = k(x), t(x)
    assert str(ty.dtype).replace("torch.", "") == ky.dtype.name == "float16"
    np.testing.assert_allclose(_out(ty).astype("float32"), _out(ky).astype("float32"), rtol=2e-2, atol=2e-2)
    assert str(t.kernel.dtype).replace("torch.", "") == str(k.kernel.dtype).replace("<dtype: '", "").rstrip("'>")
