"""Conv layers' `convolution_op` hook (call / override dispatch) and LoRA (Keras 3.15's BaseConv):
outputs checked against torch's own conv math on the Keras-layout weights, gradients, saving."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import torchkeras as tk
import torchkeras.layers as L
from torchkeras.layers.convolutional import conv_utils


def _conv2d_math(x, kernel, bias, padding=0, stride=1):
    """channels_last x (N, H, W, C), Keras kernel (kh, kw, in, out) -> F.conv2d, channels_last."""
    k = torch.as_tensor(np.asarray(kernel)).permute(3, 2, 0, 1)
    b = None if bias is None else torch.as_tensor(np.asarray(bias))
    return F.conv2d(x.permute(0, 3, 1, 2), k, b, stride, padding).permute(0, 2, 3, 1)


class Scaled(L.Conv2D):
    """Overrides convolution_op: the default op on 3 * kernel."""

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, 3.0 * kernel)


def test_default_layer_keeps_the_direct_path():
    layer = L.Conv2D(4, 3, activation="relu")
    layer.build((None, 8, 8, 2))
    assert layer._via_op is False and layer._op_overridden is False
    if conv_utils._POINTWISE is not None:
        y = layer(torch.randn(2, 8, 8, 2, requires_grad=True))
        assert "_ConvReLUBackward" in str(y.grad_fn.next_functions)  # the fused conv+bias+relu


@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_override_is_dispatched_by_call(activation):
    torch.manual_seed(0)
    layer = Scaled(5, 3, activation=activation, bias_initializer="random_normal")
    x = torch.randn(2, 7, 6, 3)
    y = layer(x)
    assert layer._via_op is True
    want = _conv2d_math(x, 3.0 * layer.kernel.numpy(), layer.bias.numpy())
    want = {None: want, "relu": torch.relu(want), "tanh": torch.tanh(want)}[activation]
    torch.testing.assert_close(y, want, rtol=1e-5, atol=1e-5)


def test_override_receives_the_kernel_in_keras_layout_and_grads_flow():
    seen = {}

    class Spy(L.Conv2D):
        def convolution_op(self, inputs, kernel):
            seen["shape"] = tuple(kernel.shape)
            return super().convolution_op(inputs, kernel)

    layer = Spy(6, (3, 2), groups=2)
    x = torch.randn(2, 7, 6, 4)
    layer(x).sum().backward()
    assert seen["shape"] == (3, 2, 2, 6)
    assert layer.torch_module.weight.grad is not None and layer.torch_module.weight.grad.abs().sum() > 0


def test_call_override_with_its_own_kernel_matches_math():
    """The recipe's form: a `call` that standardizes the kernel and calls convolution_op."""
    class Standardized(L.Conv2D):
        def call(self, inputs):
            mean, var = tk.ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
            return self.convolution_op(inputs, (self.kernel - mean) / tk.ops.sqrt(var + 1e-10)) + self.bias

    torch.manual_seed(1)
    layer = Standardized(4, 3, strides=2, padding="same", bias_initializer="random_normal")
    x = torch.randn(2, 9, 9, 3)
    y = layer(x)
    k = layer.kernel.numpy().astype("float64")
    ks = (k - k.mean(axis=(0, 1, 2), keepdims=True)) / np.sqrt(k.var(axis=(0, 1, 2), keepdims=True) + 1e-10)
    # TF "same" for n=9, k=3, s=2: one cell each side.
    want = _conv2d_math(x, ks.astype("float32"), layer.bias.numpy(), padding=1, stride=2)
    torch.testing.assert_close(y, want, rtol=1e-4, atol=1e-4)


def test_convolution_op_accepts_numpy_and_variables_and_infers_groups():
    layer = L.Conv2D(4, 3, groups=2)
    layer.build((None, 6, 6, 4))
    x = torch.randn(1, 6, 6, 4)
    k = np.random.default_rng(0).standard_normal((3, 3, 2, 4)).astype("float32")
    y = layer.convolution_op(x, k)
    kt = torch.as_tensor(k).permute(3, 2, 0, 1)
    want = F.conv2d(x.permute(0, 3, 1, 2), kt, groups=2).permute(0, 2, 3, 1)
    torch.testing.assert_close(y, want, rtol=1e-5, atol=1e-5)
    # the layer's own kernel Variable, and a kernel with all input channels (groups=1)
    torch.testing.assert_close(layer.convolution_op(x, layer.kernel), layer(x) - layer.bias.value)
    k1 = np.ones((3, 3, 4, 2), "float32")
    assert tuple(layer.convolution_op(x, k1).shape) == (1, 4, 4, 2)


def test_convolution_op_other_kernel_size_and_causal_conv1d():
    layer = L.Conv1D(2, 3, padding="causal")
    layer.build((None, 8, 1))
    x = torch.randn(1, 8, 1)
    k = np.random.default_rng(1).standard_normal((2, 1, 2)).astype("float32")  # kernel size 2, not 3
    y = layer.convolution_op(x, k)
    want = F.conv1d(F.pad(x.permute(0, 2, 1), (1, 0)), torch.as_tensor(k).permute(2, 1, 0)).permute(0, 2, 1)
    torch.testing.assert_close(y, want, rtol=1e-5, atol=1e-6)


def test_convolution_op_bad_kernel_says_what_it_expects():
    layer = L.Conv2D(4, 3)
    layer.build((None, 6, 6, 3))
    with pytest.raises(ValueError, match=r"kernel shape=\(3, 3, 2, 4\)"):
        layer.convolution_op(torch.randn(1, 6, 6, 3), np.zeros((3, 3, 2, 4), "float32"))
    with pytest.raises(ValueError, match="must be a 4D tensor"):
        layer.convolution_op(torch.randn(1, 6, 6, 3), np.zeros((3, 3, 4), "float32"))


# ---------------------------------------------------------------------------------- LoRA
@pytest.mark.parametrize("activation", [None, "relu"])
def test_lora_output_is_the_effective_kernel_conv(activation):
    torch.manual_seed(2)
    layer = L.Conv2D(5, 3, activation=activation, bias_initializer="random_normal")
    layer.build((None, 7, 7, 3))
    layer.enable_lora(2, lora_alpha=3.0)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3, 3, 2)).astype("float32")
    b = rng.standard_normal((2, 5)).astype("float32")
    base = layer._kernel.numpy()
    layer.lora_kernel_a.assign(a)
    layer.lora_kernel_b.assign(b)
    eff = base + 1.5 * np.matmul(a, b)
    np.testing.assert_allclose(layer.kernel.detach().numpy(), eff, rtol=1e-5, atol=1e-5)
    x = torch.randn(2, 7, 7, 3)
    y = layer(x)
    want = _conv2d_math(x, eff, layer.bias.numpy())
    torch.testing.assert_close(y, torch.relu(want) if activation else want, rtol=1e-4, atol=1e-4)


def test_lora_trains_only_the_factors():
    layer = L.Conv2D(4, 3, lora_rank=2)
    model = tk.Sequential([tk.Input((6, 6, 2)), layer])
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]
    assert [w.name for w in layer.non_trainable_weights] == ["kernel"]
    assert len(layer.torch_params) == 4
    assert layer.lora_kernel_a.dtype == torch.float32 and np.all(layer.lora_kernel_b.numpy() == 0)
    k0, a0 = layer._kernel.numpy().copy(), layer.lora_kernel_a.numpy().copy()
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.standard_normal((8, 6, 6, 2)).astype("float32"),
              rng.standard_normal((8, 4, 4, 4)).astype("float32"), epochs=2, verbose=0)
    np.testing.assert_array_equal(layer._kernel.numpy(), k0)
    assert np.abs(layer.lora_kernel_a.numpy() - a0).max() > 0
    assert np.abs(layer.lora_kernel_b.numpy()).max() > 0


def test_lora_with_override_passes_the_effective_kernel():
    layer = Scaled(4, 3, lora_rank=1)
    layer.build((None, 6, 6, 2))
    layer.lora_kernel_b.assign(np.ones((1, 4), "float32"))
    x = torch.randn(1, 6, 6, 2)
    want = _conv2d_math(x, 3.0 * layer.kernel.detach().numpy(), layer.bias.numpy())
    torch.testing.assert_close(layer(x), want, rtol=1e-4, atol=1e-4)


def test_lora_config_and_errors():
    layer = L.Conv3D(2, 2, lora_rank=3)
    cfg = layer.get_config()
    assert (cfg["lora_rank"], cfg["lora_alpha"]) == (3, 3)
    assert "lora_rank" not in L.Conv3D(2, 2).get_config()
    with pytest.raises(ValueError, match="isn't yet built"):
        L.Conv2D(2, 2).enable_lora(1)
    c = L.Conv2D(2, 2, kernel_constraint="non_neg")
    c.build((None, 4, 4, 1))
    with pytest.raises(ValueError, match="incompatible with kernel constraints"):
        c.enable_lora(1)
    layer.build((None, 4, 4, 4, 1))
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(1)
    with pytest.raises(ValueError, match="lora_rank"):
        L.Conv2DTranspose(2, 2, lora_rank=2)  # Keras's transposed convs have no LoRA


def test_lora_saving_merges_and_loading_resets(tmp_path):
    def model():
        return tk.Sequential([tk.Input((6, 6, 2)), L.Conv2D(3, 3, name="c")])

    m = model()
    m.layers[0].enable_lora(2)
    rng = np.random.default_rng(3)
    m.layers[0].lora_kernel_a.assign(rng.standard_normal((3, 3, 2, 2)).astype("float32"))
    m.layers[0].lora_kernel_b.assign(rng.standard_normal((2, 3)).astype("float32"))
    eff = m.layers[0].kernel.detach().numpy()
    m.save_weights(tmp_path / "w.weights.h5")
    plain = model()
    plain.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(plain.layers[0].kernel.numpy(), eff, rtol=1e-6)
    m.load_weights(tmp_path / "w.weights.h5")  # into the LoRA model: kernel = merged, factors zero
    np.testing.assert_allclose(m.layers[0]._kernel.numpy(), eff, rtol=1e-6)
    assert np.all(m.layers[0].lora_kernel_a.numpy() == 0)
    m.save(tmp_path / "m.keras")
    loaded = tk.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].lora_enabled
    x = rng.standard_normal((2, 6, 6, 2)).astype("float32")
    np.testing.assert_allclose(loaded(x).detach().numpy(), plain(x).detach().numpy(), rtol=1e-5, atol=1e-6)
