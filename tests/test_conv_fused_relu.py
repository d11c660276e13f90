"""Conv layers with activation="relu" run one oneDNN conv with bias+relu fused in its epilogue on CPU
float32 (conv_utils._ConvReLU). Its outputs and gradients must equal the unfused torch math exactly,
and tf.keras's Conv2D within float32 tolerance; anything it does not cover falls back."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import torchkeras.layers as L
from torchkeras import activations
from torchkeras.layers.convolutional import conv_utils

pytestmark = pytest.mark.skipif(conv_utils._POINTWISE is None, reason="torch built without oneDNN")

CASES = [dict(), dict(padding="same"), dict(padding="same", strides=2), dict(strides=(2, 1)),
         dict(dilation_rate=2), dict(groups=2), dict(use_bias=False)]


def _unfused(layer, x):
    """The same conv through F.conv2d + torch.relu, from the Keras-layout weights (no torchkeras code)."""
    k = torch.as_tensor(layer.kernel.numpy()).permute(3, 2, 0, 1)  # (kh, kw, in/g, out) -> OIHW
    b = torch.as_tensor(layer.bias.numpy()) if layer.use_bias else None
    xc = F.pad(x.permute(0, 3, 1, 2), _tf_pads(layer, x.shape))
    y = F.conv2d(xc, k, b, layer.strides, 0, layer.dilation_rate, layer.groups)
    return torch.relu(y).permute(0, 2, 3, 1)


@pytest.mark.parametrize("kw", CASES, ids=[str(c) for c in CASES])
def test_fused_relu_equals_unfused_math(kw):
    torch.manual_seed(0)
    layer = L.Conv2D(6, 3, activation="relu", bias_initializer="random_normal", **kw)
    x = torch.randn(3, 11, 10, 4, requires_grad=True)
    y = layer(x)
    assert "_ConvReLUBackward" in str(y.grad_fn.next_functions)  # the fused path ran
    g = torch.randn_like(y)
    y.backward(g)

    x2 = x.detach().clone().requires_grad_()
    k2 = torch.as_tensor(layer.kernel.numpy()).requires_grad_()
    b2 = torch.as_tensor(layer.bias.numpy()).requires_grad_() if layer.use_bias else None
    ref = torch.relu(F.conv2d(F.pad(x2.permute(0, 3, 1, 2), _tf_pads(layer, x2.shape)), k2.permute(3, 2, 0, 1),
                              b2, layer.strides, 0, layer.dilation_rate, layer.groups)).permute(0, 2, 3, 1)
    ref.backward(g)
    torch.testing.assert_close(y, ref, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(layer.torch_module.weight.grad.permute(2, 3, 1, 0), k2.grad, rtol=1e-5, atol=1e-5)
    if layer.use_bias:
        torch.testing.assert_close(layer.torch_module.bias.grad, b2.grad, rtol=1e-5, atol=1e-5)


def _tf_pads(layer, shape):
    """F.pad list (last dim first) for TF's "same" split; zeros for "valid"."""
    if layer.padding != "same":
        return [0, 0, 0, 0]
    pads = []
    for n, k, s, d in reversed(list(zip(shape[1:3], layer.kernel_size, layer.strides, layer.dilation_rate))):
        eff = (k - 1) * d + 1
        total = max((-(-n // s) - 1) * s + eff - n, 0)
        pads += [total // 2, total - total // 2]
    return pads


def test_first_layer_needs_no_input_grad_and_matches_unfused():
    torch.manual_seed(1)
    layer = L.Conv2D(8, 3, activation="relu")
    x = torch.rand(5, 12, 12, 1)  # Keras's (28, 28, 1)-style single-channel images
    y = layer(x)
    y.square().sum().backward()
    assert x.grad is None
    assert y.is_contiguous(memory_format=torch.contiguous_format)  # NHWC, no copies downstream
    torch.testing.assert_close(y, _unfused(layer, x), rtol=1e-6, atol=1e-6)


def test_falls_back_where_not_fused():
    torch.manual_seed(2)
    x = torch.randn(2, 8, 8, 3)
    w = torch.randn(4, 3, 3, 3)
    assert conv_utils._can_fuse(x.permute(0, 3, 1, 2), w)
    assert not conv_utils._can_fuse(x.double().permute(0, 3, 1, 2), w.double())
    assert not conv_utils._can_fuse(x.bfloat16().permute(0, 3, 1, 2), w.bfloat16())
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert not conv_utils._can_fuse(x.permute(0, 3, 1, 2), w)
    # a relu with non-default arguments is not Keras's plain relu: not fused, and keeps its slope
    leaky = L.Conv2D(4, 3, activation=lambda t: activations.relu(t, negative_slope=0.1))
    out = leaky(x)
    assert "ConvReLU" not in str(out.grad_fn.next_functions)
    assert (out < 0).any()


def test_double_backward_through_fused_relu():
    torch.manual_seed(3)
    layer = L.Conv2D(4, 3, activation="relu")
    x = torch.randn(2, 7, 7, 2, requires_grad=True)
    (gx,) = torch.autograd.grad(layer(x).square().sum(), x, create_graph=True)
    gx.sum().backward()
    w_grad = layer.torch_module.weight.grad.clone()

    layer.torch_module.weight.grad = None
    x2 = x.detach().clone().requires_grad_()
    m = layer.torch_module
    y = torch.relu(F.conv2d(x2.permute(0, 3, 1, 2), m.weight, m.bias))
    (gx2,) = torch.autograd.grad(y.square().sum(), x2, create_graph=True)
    gx2.sum().backward()
    torch.testing.assert_close(w_grad, m.weight.grad, rtol=1e-5, atol=1e-5)


def test_matches_tf_keras_conv2d_relu():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 13, 13, 5)).astype(np.float32)
    for kw in (dict(), dict(padding="same", strides=2)):
        ours = L.Conv2D(7, 3, activation="relu", **kw)
        ours(torch.from_numpy(x))
        theirs = tf.keras.layers.Conv2D(7, 3, activation="relu", **kw)
        theirs(x)
        w = [rng.standard_normal(v.shape).astype(np.float32) for v in theirs.get_weights()]
        theirs.set_weights(w)
        ours.set_weights(w)
        xt = torch.from_numpy(x).requires_grad_()
        y = ours(xt)
        y.sum().backward()
        xv = tf.Variable(x)
        with tf.GradientTape() as tape:
            ty = theirs(xv)
            total = tf.reduce_sum(ty)
        tgx, tgk = tape.gradient(total, [xv, theirs.kernel])
        np.testing.assert_allclose(y.detach().numpy(), ty.numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(xt.grad.numpy(), tgx.numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(ours.torch_module.weight.grad.permute(2, 3, 1, 0).numpy(),
                                   tgk.numpy(), rtol=1e-4, atol=1e-4)
