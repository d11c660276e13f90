"""Conv layers against independent references (numpy window loops; the transposed conv as the adjoint
of a reference forward conv, by autograd). TF "same" geometry is rederived here: the input is padded
so that out = ceil(n / s) windows fit, the odd cell going after."""

import itertools
import math

import numpy as np
import pytest
import torch

import torchkeras.layers as L

RNG = np.random.default_rng(0)


def tf_pads(n, k, s, d, padding):
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return k_eff - 1, 0
    out = math.ceil(n / s)
    total = max((out - 1) * s + k_eff - n, 0)
    return total // 2, total - total // 2


def ref_conv(x, kernel, bias, strides, padding, dilation, groups=1):
    """Channels-last N-D conv; kernel (k..., in/groups, filters); explicit loop over output cells."""
    rank = x.ndim - 2
    ks = kernel.shape[:rank]
    pads = [tf_pads(x.shape[1 + i], ks[i], strides[i], dilation[i], padding) for i in range(rank)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    outs = [(xp.shape[1 + i] - (ks[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(rank)]
    cin_g, filters = kernel.shape[-2], kernel.shape[-1]
    fg = filters // groups
    y = np.zeros((x.shape[0], *outs, filters), np.float64)
    for pos in itertools.product(*[range(o) for o in outs]):
        idx = tuple(slice(p * s, p * s + (k - 1) * d + 1, d) for p, s, k, d in zip(pos, strides, ks, dilation))
        win = xp[(slice(None),) + idx]  # (N, k..., Cin)
        for g in range(groups):
            w = win[..., g * cin_g:(g + 1) * cin_g]
            kg = kernel[..., g * fg:(g + 1) * fg]
            y[(slice(None),) + pos + (slice(g * fg, (g + 1) * fg),)] = np.tensordot(
                w, kg, axes=(list(range(1, rank + 2)), list(range(rank + 1))))
    return y + (bias if bias is not None else 0)


def to_cf(a):
    return np.moveaxis(a, -1, 1)


def run_layer(layer, x, data_format):
    xin = to_cf(x) if data_format == "channels_first" else x
    y = layer(torch.tensor(xin, dtype=torch.float32)).detach().numpy()
    return np.moveaxis(y, 1, -1) if data_format == "channels_first" else y


CONV_CASES = [
    # rank, spatial n, kernel, strides, padding, dilation, groups
    (1, 11, 3, 1, "valid", 1, 1), (1, 11, 4, 2, "same", 1, 1), (1, 10, 3, 3, "same", 1, 1),
    (1, 11, 3, 1, "causal", 2, 1), (1, 11, 2, 1, "same", 3, 2), (1, 9, 5, 2, "causal", 1, 1),
    (2, 9, 3, 2, "same", 1, 1), (2, 8, 3, 2, "same", 1, 1), (2, 8, 2, 1, "same", 1, 3),
    (2, 7, 4, 3, "same", 1, 1), (2, 9, 3, 1, "same", 2, 1), (2, 9, 3, 3, "valid", 1, 1),
    (2, 6, (2, 3), (1, 2), "same", 1, 1), (3, 5, 3, 2, "same", 1, 1), (3, 6, 2, 1, "valid", 2, 3),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank,n,k,s,padding,d,groups", CONV_CASES)
def test_conv_matches_reference(rank, n, k, s, padding, d, groups, data_format):
    cin = 3 * groups if groups > 1 else 3
    x = RNG.standard_normal((2,) + (n,) * rank + (cin,))
    layer = getattr(L, f"Conv{rank}D")(6, k, strides=s, padding=padding, dilation_rate=d, groups=groups,
                                       data_format=data_format, bias_initializer="random_normal")
    y = run_layer(layer, x, data_format)
    kernel, bias = layer.get_weights()
    ks = (k,) * rank if isinstance(k, int) else k
    assert kernel.shape == ks + (cin // groups, 6)
    ss = (s,) * rank if isinstance(s, int) else s
    ref = ref_conv(x, kernel.astype(np.float64), bias, ss, padding, (d,) * rank, groups)
    np.testing.assert_allclose(y, ref, atol=1e-5, rtol=1e-5)
    shape = (None,) + (to_cf(x) if data_format == "channels_first" else x).shape[1:]
    expect = (None,) + (y.shape[1:] if data_format == "channels_last" else to_cf(y).shape[1:])
    assert tuple(layer.compute_output_shape(shape)) == expect


def ref_conv_transpose(x, kernel, bias, strides, padding, output_padding, dilation):
    """Keras's transposed conv = adjoint of the forward conv (TF padding) that maps the output back to x."""
    rank = x.ndim - 2
    ks = kernel.shape[:rank]
    out = []
    for i in range(rank):
        n, k, s, dd = x.shape[1 + i], ks[i], strides[i], dilation[i]
        k_eff = (k - 1) * dd + 1
        op = output_padding[i] if output_padding is not None else None
        if padding == "valid":
            out.append((n - 1) * s + k_eff + (max(k_eff, s) - k_eff if op is None else op))
        else:
            out.append(n * s if op is None else (n - 1) * s + k_eff % 2 + op)
    z = torch.zeros((x.shape[0], *out, kernel.shape[-2]), dtype=torch.float64, requires_grad=True)
    # Keras's (k..., filters, in) is already a forward conv kernel from `filters` to `in` channels.
    y_fwd = torch_ref_conv(z, torch.tensor(kernel, dtype=torch.float64), strides, padding, dilation)
    assert tuple(y_fwd.shape[1:-1]) == x.shape[1:-1]
    (g,) = torch.autograd.grad((y_fwd * torch.tensor(x)).sum(), z)
    return g.numpy() + bias


def torch_ref_conv(z, kernel, strides, padding, dilation):
    """The loop reference above in torch ops (differentiable), channels-last, no torch conv."""
    rank = z.dim() - 2
    ks = kernel.shape[:rank]
    pads = [tf_pads(z.shape[1 + i], ks[i], strides[i], dilation[i], padding) for i in range(rank)]
    flat = [p for pr in reversed(pads) for p in pr]
    zp = torch.nn.functional.pad(z, [0, 0] + flat)
    outs = [(zp.shape[1 + i] - (ks[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(rank)]
    cells = {}
    for pos in itertools.product(*[range(o) for o in outs]):
        idx = tuple(slice(p * s, p * s + (k - 1) * d + 1, d) for p, s, k, d in zip(pos, strides, ks, dilation))
        cells[pos] = torch.tensordot(zp[(slice(None),) + idx], kernel,
                                     dims=(list(range(1, rank + 2)), list(range(rank + 1))))
    y = torch.stack([cells[p] for p in itertools.product(*[range(o) for o in outs])], 1)
    return y.reshape(z.shape[0], *outs, kernel.shape[-1])


TRANSPOSE_CASES = [
    (1, 3, 2, "valid", None, 1), (1, 1, 3, "valid", None, 1), (1, 2, 3, "same", None, 1),
    (1, 3, 2, "same", 1, 1), (1, 4, 3, "valid", 2, 1), (1, 3, 1, "same", None, 2),
    (2, 3, 2, "same", None, 1), (2, 4, 2, "same", 1, 1), (2, 1, 2, "valid", None, 1),
    (2, 2, 3, "valid", 1, 1), (2, 3, 1, "valid", None, 2), (3, 3, 2, "same", None, 1),
    (3, 2, 3, "valid", None, 1),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank,k,s,padding,op,d", TRANSPOSE_CASES)
def test_conv_transpose_matches_adjoint(rank, k, s, padding, op, d, data_format):
    x = RNG.standard_normal((2,) + (3,) * rank + (2,))
    layer = getattr(L, f"Conv{rank}DTranspose")(3, k, strides=s, padding=padding, output_padding=op,
                                                dilation_rate=d, data_format=data_format,
                                                bias_initializer="random_normal")
    y = run_layer(layer, x, data_format)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (k,) * rank + (3, 2)
    ref = ref_conv_transpose(x, kernel.astype(np.float64), bias, (s,) * rank, padding,
                             None if op is None else (op,) * rank, (d,) * rank)
    np.testing.assert_allclose(y, ref, atol=1e-5, rtol=1e-5)
    shape = (None,) + (to_cf(x) if data_format == "channels_first" else x).shape[1:]
    expect = (None,) + (y.shape[1:] if data_format == "channels_last" else to_cf(y).shape[1:])
    assert tuple(layer.compute_output_shape(shape)) == expect


def ref_depthwise(x, kernel, strides, padding, dilation):
    """Each channel c convolved with kernel[..., c, m]; output channel c*M + m."""
    C, M = kernel.shape[-2:]
    outs = [ref_conv(x[..., c:c + 1], kernel[..., c:c + 1, :], None, strides, padding, dilation) for c in range(C)]
    return np.concatenate(outs, -1)  # channel-major: c*M + m


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank,k,s,padding,m,d", [
    (1, 3, 1, "same", 2, 1), (1, 4, 2, "same", 1, 1), (1, 3, 2, "valid", 3, 2),
    (2, 3, 2, "same", 2, 1), (2, 2, 1, "same", 1, 2), (2, 3, 3, "valid", 2, 1)])
def test_depthwise_and_separable(rank, k, s, padding, m, d, data_format):
    x = RNG.standard_normal((2,) + (9,) * rank + (3,))
    dw = getattr(L, f"DepthwiseConv{rank}D")(k, strides=s, padding=padding, depth_multiplier=m,
                                             dilation_rate=d, data_format=data_format,
                                             bias_initializer="random_normal")
    y = run_layer(dw, x, data_format)
    kernel, bias = dw.get_weights()
    assert kernel.shape == (k,) * rank + (3, m) and bias.shape == (3 * m,)
    ref = ref_depthwise(x, kernel.astype(np.float64), (s,) * rank, padding, (d,) * rank) + bias
    np.testing.assert_allclose(y, ref, atol=1e-5, rtol=1e-5)

    sep = getattr(L, f"SeparableConv{rank}D")(4, k, strides=s, padding=padding, depth_multiplier=m,
                                              dilation_rate=d, data_format=data_format,
                                              bias_initializer="random_normal")
    y = run_layer(sep, x, data_format)
    dk, pk, b = sep.get_weights()
    assert [w.name for w in sep.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert pk.shape == (1,) * rank + (3 * m, 4)
    mid = ref_depthwise(x, dk.astype(np.float64), (s,) * rank, padding, (d,) * rank)
    np.testing.assert_allclose(y, mid @ pk.reshape(3 * m, 4) + b, atol=1e-5, rtol=1e-5)


def test_set_weights_roundtrip_and_torch_layout():
    layer = L.Conv2D(4, (2, 3), groups=1)
    layer.build((None, 7, 7, 3))
    k = RNG.standard_normal((2, 3, 3, 4)).astype(np.float32)
    layer.set_weights([k, np.arange(4, dtype=np.float32)])
    np.testing.assert_array_equal(layer.get_weights()[0], k)
    # torch's (filters, in, kh, kw) is the Keras kernel permuted, not flipped
    np.testing.assert_array_equal(layer.torch_module.weight.detach().numpy(), k.transpose(3, 2, 0, 1))
    dw = L.DepthwiseConv2D(3, depth_multiplier=2)
    dw.build((None, 5, 5, 3))
    kd = RNG.standard_normal((3, 3, 3, 2)).astype(np.float32)
    dw.set_weights([kd, np.zeros(6, np.float32)])
    np.testing.assert_array_equal(dw.torch_module.weight.detach().numpy()[2 * 2 + 1, 0], kd[:, :, 2, 1])


def test_channels_last_output_is_plain_nhwc_and_grads_flow():
    layer = L.Conv2D(8, 3, padding="same", activation="relu")
    x = torch.randn(2, 6, 6, 3, requires_grad=True)
    y = layer(x)
    assert y.shape == (2, 6, 6, 8) and y.is_contiguous()
    y.sum().backward()
    assert x.grad.shape == x.shape and layer.torch_module.weight.grad is not None


def test_config_roundtrip_and_keys():
    layer = L.Conv2D(4, 3, strides=2, padding="same", kernel_regularizer="l2", activation="relu")
    cfg = layer.get_config()
    keras_keys = {"activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer",
                  "data_format", "dilation_rate", "dtype", "filters", "groups", "kernel_constraint",
                  "kernel_initializer", "kernel_regularizer", "kernel_size", "name", "padding", "strides",
                  "trainable", "use_bias"}
    assert set(cfg) == keras_keys
    clone = L.Conv2D.from_config(cfg)
    assert clone.kernel_size == (3, 3) and clone.strides == (2, 2) and clone.padding == "same"
    assert "output_padding" in L.Conv2DTranspose(2, 3).get_config()
    assert "depth_multiplier" in L.SeparableConv1D(2, 3).get_config()


def test_regularizers_add_losses():
    layer = L.Conv1D(2, 3, kernel_regularizer="l2", activity_regularizer="l1")
    layer(torch.ones(2, 5, 1))
    assert len(layer.losses) == 2


def test_aliases():
    assert L.Convolution2D is L.Conv2D and L.Convolution1D is L.Conv1D and L.Convolution3D is L.Conv3D
    assert L.Convolution2DTranspose is L.Conv2DTranspose and L.SeparableConvolution2D is L.SeparableConv2D


@pytest.mark.parametrize("make,shape,match", [
    (lambda: L.Conv2D(2, 5), (1, 3, 3, 1), "zero or negative"),
    (lambda: L.Conv1D(2, 3, dilation_rate=3), (1, 6, 1), "zero or negative"),
    (lambda: L.DepthwiseConv2D(4), (1, 3, 3, 1), "zero or negative"),
    (lambda: L.Conv2D(4, 3, groups=2), (1, 5, 5, 3), "divisible by the number of groups"),
    (lambda: L.Conv2D(2, 3), (1, 5, 5), "min_ndim=4"),
    (lambda: L.Conv2D(2, 3), (1, 5, 5, 5, 1), "expected ndim=4"),
    (lambda: L.Conv1DTranspose(2, 3), (1, 5, 5, 1), "expected ndim=3"),
    (lambda: L.SeparableConv2D(2, 3), (1, 5, 1), "min_ndim=4"),
])
def test_bad_input_raises(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make()(torch.zeros(shape))


@pytest.mark.parametrize("make,match", [
    (lambda: L.Conv2D(2, 3, strides=2, dilation_rate=2), "dilation_rate > 1"),
    (lambda: L.Conv1DTranspose(2, 3, strides=2, dilation_rate=2), "dilation_rate > 1"),
    (lambda: L.Conv2D(2, 3, padding="full"), "padding"),
    (lambda: L.Conv2D(2, 3, padding="causal"), "padding"),
    (lambda: L.Conv2D(2, 3, data_format="nhwc"), "data_format"),
    (lambda: L.Conv2D(0, 3), "filters"),
    (lambda: L.Conv2D(-1, 3), "filters"),
    (lambda: L.SeparableConv2D(0, 3), "filters"),
    (lambda: L.Conv2DTranspose(0, 3), "filters"),
    (lambda: L.Conv2D(3, 3, groups=2), "groups"),
    (lambda: L.Conv2D(4, 3, groups=0), "groups"),
    (lambda: L.Conv2D(2, 0), "kernel_size"),
    (lambda: L.Conv2D(2, (3, 3, 3)), "kernel_size"),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: L.Conv2DTranspose(2, 2, strides=2, padding="same", output_padding=0), "even effective kernel"),
])
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_conv2d_single_channel_input_gives_contiguous_channels_last_output():
    # oneDNN returns NCHW for a one-channel input; the layer hands back a contiguous NHWC tensor
    # (the rest of a Keras model then runs channels-last) with the same values as torch's NCHW conv.
    import torch
    import torch.nn.functional as F

    from torchkeras import layers as L
    layer = L.Conv2D(4, 3, activation="relu")
    x = torch.rand(2, 7, 7, 1)
    y = layer(x)
    assert y.shape == (2, 5, 5, 4) and y.is_contiguous()
    m = layer.torch_module
    ref = F.relu(F.conv2d(x.permute(0, 3, 1, 2).contiguous(), m.weight, m.bias)).permute(0, 2, 3, 1)
    torch.testing.assert_close(y, ref, rtol=1e-5, atol=1e-6)
