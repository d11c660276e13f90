"""ConvLSTM1D/2D/3D against an independent numpy reference (Keras's equations, Keras layout, TF padding)."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def sig(z):
    return 1 / (1 + np.exp(-z))


def np_conv(x, k, strides, padding, dilation=None):
    """TF conv: x (B, *S, C) channels_last, k (*K, C, O); 'same' puts the extra pad cell after."""
    rank = k.ndim - 2
    dilation = dilation or (1,) * rank
    pads = []
    for n, kk, s, d in zip(x.shape[1:-1], k.shape[:rank], strides, dilation):
        keff = (kk - 1) * d + 1
        if padding == "same":
            out = -(-n // s)
            total = max((out - 1) * s + keff - n, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append((0, 0))
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    outs = [(xp.shape[1 + i] - ((k.shape[i] - 1) * dilation[i] + 1)) // strides[i] + 1 for i in range(rank)]
    y = np.zeros((x.shape[0], *outs, k.shape[-1]))
    for off in np.ndindex(*k.shape[:rank]):
        sl = tuple(slice(o * d, o * d + (n - 1) * s + 1, s) for o, d, n, s in zip(off, dilation, outs, strides))
        y += xp[(slice(None),) + sl] @ k[off]
    return y


def np_conv_lstm(x, w, strides=None, padding="valid", dilation=None, mask=None, go_backwards=False, states=None):
    k, r = w[0], w[1]
    rank = k.ndim - 2
    strides = strides or (1,) * rank
    b = w[2] if len(w) > 2 else 0.0
    outs = []
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    prev = None
    for t in order:
        z = np_conv(x[:, t], k, strides, padding, dilation) + b
        if states is None:
            states = [np.zeros(z.shape[:-1] + (r.shape[-2],))] * 2
        h, c = states
        z = z + np_conv(h, r, (1,) * rank, "same")
        i, f, g, o = np.split(z, 4, axis=-1)
        c_new = sig(f) * c + sig(i) * np.tanh(g)
        h_new = sig(o) * np.tanh(c_new)
        if prev is None:
            prev = np.zeros_like(h_new)
        if mask is not None:
            m = mask[:, t].reshape((-1,) + (1,) * (h.ndim - 1))
            h_new, c_new = np.where(m, h_new, h), np.where(m, c_new, c)
            out = np.where(m, h_new, prev)
        else:
            out = h_new
        states, prev = [h_new, c_new], out
        outs.append(out)
    return np.stack(outs, 1), states


SHAPES = {1: (2, 4, 7, 3), 2: (2, 3, 6, 5, 2), 3: (2, 3, 4, 4, 3, 2)}


def _build(rank, **kw):
    layer = getattr(layers, f"ConvLSTM{rank}D")(**{"filters": 3, "kernel_size": 3, **kw})
    x = np.random.default_rng(rank).standard_normal(SHAPES[rank]).astype("float32")
    layer.build(x.shape)
    rng = np.random.default_rng(7)
    layer.set_weights([rng.standard_normal(v.shape).astype("float32") * 0.3 for v in layer.weights])
    return layer, x, [w.astype(np.float64) for w in layer.get_weights()]


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("cfg", [dict(padding="same"), dict(padding="valid", strides=2),
                                 dict(padding="same", strides=2), dict(padding="same", dilation_rate=2),
                                 dict(kernel_size=2, padding="same"), dict(use_bias=False)])
def test_matches_numpy(rank, cfg):
    layer, x, w = _build(rank, return_sequences=True, **cfg)
    ref, _ = np_conv_lstm(x.astype(np.float64), w, (cfg.get("strides", 1),) * rank, cfg.get("padding", "valid"),
                          (cfg.get("dilation_rate", 1),) * rank)
    out = layer(x).detach().numpy()
    np.testing.assert_allclose(out, ref, atol=2e-5)
    assert out.shape[1:] == layer.compute_output_shape((None,) + x.shape[1:])[1:]


@pytest.mark.parametrize("rank", [1, 2])
def test_go_backwards_return_state_channels_first(rank):
    layer, x, w = _build(rank, padding="same", go_backwards=True, return_state=True)
    ref, (h, c) = np_conv_lstm(x.astype(np.float64), w, padding="same", go_backwards=True)
    out, h_t, c_t = layer(x)
    np.testing.assert_allclose(out.detach().numpy(), ref[:, -1], atol=2e-5)
    np.testing.assert_allclose(c_t.detach().numpy(), c, atol=2e-5)
    cf = getattr(layers, f"ConvLSTM{rank}D")(3, 3, padding="same", data_format="channels_first")
    perm = (0, 1, x.ndim - 1) + tuple(range(2, x.ndim - 1))
    xc = np.ascontiguousarray(x.transpose(perm))
    cf.build(xc.shape)
    cf.set_weights(layer.get_weights())
    back = (0,) + tuple(range(2, x.ndim - 1)) + (1,)
    np.testing.assert_allclose(cf(xc).detach().numpy().transpose(back),
                               np_conv_lstm(x.astype(np.float64), w, padding="same")[0][:, -1], atol=2e-5)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_mask_with_holes(go_backwards):
    layer, x, w = _build(2, padding="same", return_sequences=True, go_backwards=go_backwards)
    mask = np.array([[1, 0, 1], [0, 1, 1]], bool)
    ref, _ = np_conv_lstm(x.astype(np.float64), w, padding="same", mask=mask, go_backwards=go_backwards)
    out = layer(torch.tensor(x), mask=torch.tensor(mask))
    np.testing.assert_allclose(out.detach().numpy(), ref, atol=2e-5)
    assert torch.equal(out._keras_mask, torch.tensor(mask))


def test_initial_state_and_stateful():
    layer, x, w = _build(1, padding="same", stateful=True)
    first = np_conv_lstm(x.astype(np.float64), w, padding="same")
    second = np_conv_lstm(x.astype(np.float64), w, padding="same", states=first[1])
    layer(x)
    np.testing.assert_allclose(layer(x).detach().numpy(), second[0][:, -1], atol=2e-5)
    layer.reset_states()
    np.testing.assert_allclose(layer(x).detach().numpy(), first[0][:, -1], atol=2e-5)
    plain = layers.ConvLSTM1D(3, 3, padding="same")
    plain.build(x.shape)
    plain.set_weights(layer.get_weights())
    h0 = [s.astype("float32") for s in first[1]]
    np.testing.assert_allclose(plain(x, initial_state=h0).detach().numpy(), second[0][:, -1], atol=2e-5)


def test_dropout_training_shapes_and_inference_identity():
    layer, x, w = _build(2, padding="same", dropout=0.5, recurrent_dropout=0.5, seed=1)
    ref, _ = np_conv_lstm(x.astype(np.float64), w, padding="same")
    np.testing.assert_allclose(layer(x).detach().numpy(), ref[:, -1], atol=2e-5)
    out = layer(x, training=True)
    assert out.shape == ref[:, -1].shape
    assert not np.allclose(out.detach().numpy(), ref[:, -1], atol=1e-3)
    out.sum().backward()
    assert all(v.param.grad is not None for v in layer.weights)


def test_weights_config_and_save_roundtrip(tmp_path):
    layer = layers.ConvLSTM2D(4, (3, 2), padding="same", unit_forget_bias=True)
    layer.build((None, 3, 6, 5, 2))
    assert [v.shape for v in layer.weights] == [(3, 2, 2, 16), (3, 2, 4, 16), (16,)]
    bias = layer.weights[2].numpy()
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    cfg = layer.get_config()
    assert cfg["kernel_size"] == (3, 2) and cfg["filters"] == 4 and "cell" not in cfg
    again = layers.ConvLSTM2D.from_config(cfg)
    assert again.get_config() == cfg
    model = keras.Sequential([keras.Input((3, 6, 5, 2)), layers.ConvLSTM2D(2, 3, return_sequences=True),
                              layers.ConvLSTM2D(2, 3)])
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5, 2)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="strides > 1` is not compatible with `dilation_rate > 1"):
        layers.ConvLSTM2D(1, 1, strides=2, dilation_rate=3)
    with pytest.raises(ValueError, match="expected ndim=5"):
        layers.ConvLSTM2D(2, 3)(np.zeros((2, 3, 4, 4), "float32"))
    with pytest.raises(ValueError, match="padding"):
        layers.ConvLSTM1D(2, 3, padding="full")
    with pytest.raises(ValueError, match="kernel_size"):
        layers.ConvLSTM3D(2, (3, 3))
