"""Pooling layers against numpy window loops. TF "same": out = ceil(n / s) windows, the input padded
with (total // 2, total - total // 2) cells that never win a max and are not counted in a mean."""

import itertools
import math

import numpy as np
import pytest
import torch

import torchkeras.layers as L

RNG = np.random.default_rng(1)


def ref_pool(x, pool, strides, padding, mode):
    """Channels-last N-D pooling; padded cells are NaN and ignored by nanmax/nanmean."""
    rank = x.ndim - 2
    pads = []
    for i in range(rank):
        n, k, s = x.shape[1 + i], pool[i], strides[i]
        if padding == "valid":
            pads.append((0, 0))
        else:
            total = max((math.ceil(n / s) - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=np.nan)
    outs = [(xp.shape[1 + i] - pool[i]) // strides[i] + 1 for i in range(rank)]
    y = np.zeros((x.shape[0], *outs, x.shape[-1]))
    reduce = np.nanmax if mode == "max" else np.nanmean
    for pos in itertools.product(*[range(o) for o in outs]):
        idx = tuple(slice(p * s, p * s + k) for p, s, k in zip(pos, strides, pool))
        win = xp[(slice(None),) + idx]
        y[(slice(None),) + pos] = reduce(win.reshape(x.shape[0], -1, x.shape[-1]), axis=1)
    return y


CASES = [
    # rank, n, pool, strides, padding
    (1, 11, 2, None, "valid"), (1, 11, 3, 2, "same"), (1, 10, 2, 1, "same"), (1, 9, 3, 3, "same"),
    (2, 9, 2, None, "same"), (2, 8, 3, 2, "same"), (2, 7, 3, 1, "same"), (2, 9, (2, 3), (1, 2), "valid"),
    (2, 7, 2, 3, "same"), (3, 5, 2, None, "same"), (3, 6, 3, 2, "same"), (3, 5, 2, 1, "valid"),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("rank,n,pool,strides,padding", CASES)
def test_pooling_matches_reference(rank, n, pool, strides, padding, mode, data_format):
    x = RNG.standard_normal((2,) + (n,) * rank + (3,))
    cls = getattr(L, f"{'Max' if mode == 'max' else 'Average'}Pooling{rank}D")
    layer = cls(pool, strides=strides, padding=padding, data_format=data_format)
    xin = np.moveaxis(x, -1, 1) if data_format == "channels_first" else x
    y = layer(torch.tensor(xin, dtype=torch.float32)).numpy()
    if data_format == "channels_first":
        y = np.moveaxis(y, 1, -1)
    ps = (pool,) * rank if isinstance(pool, int) else pool
    ss = ps if strides is None else ((strides,) * rank if isinstance(strides, int) else strides)
    np.testing.assert_allclose(y, ref_pool(x, ps, ss, padding, mode), atol=1e-6, rtol=1e-5)
    assert layer.strides == ss
    expect = (None,) + (y.shape[1:] if data_format == "channels_last" else np.moveaxis(y, -1, 1).shape[1:])
    assert tuple(layer.compute_output_shape((None,) + xin.shape[1:])) == expect


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(rank, data_format, keepdims):
    x = RNG.standard_normal((2,) + (4,) * rank + (3,)).astype(np.float32)
    xin = np.moveaxis(x, -1, 1) if data_format == "channels_first" else x
    axes = tuple(range(1, rank + 1)) if data_format == "channels_last" else tuple(range(2, rank + 2))
    for cls, fn in ((f"GlobalMaxPooling{rank}D", np.max), (f"GlobalAveragePooling{rank}D", np.mean)):
        layer = getattr(L, cls)(data_format=data_format, keepdims=keepdims)
        y = layer(torch.tensor(xin)).numpy()
        np.testing.assert_allclose(y, fn(xin, axis=axes, keepdims=keepdims), atol=1e-6, rtol=1e-6)
        assert tuple(layer.compute_output_shape((None,) + xin.shape[1:])) == (None,) + y.shape[1:]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling1d_mask(data_format):
    x = RNG.standard_normal((2, 6, 3)).astype(np.float32)
    mask = np.array([[1, 1, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1]], bool)
    x[~mask] = np.nan  # masked steps must not leak into the mean, even as NaN
    expect = np.stack([np.nanmean(np.where(mask[i][:, None], x[i], np.nan), axis=0) for i in range(2)])
    xin = np.moveaxis(x, -1, 1) if data_format == "channels_first" else x
    layer = L.GlobalAveragePooling1D(data_format=data_format)
    t = torch.tensor(xin)
    t._keras_mask = torch.tensor(mask)  # as attached by an upstream masking layer
    np.testing.assert_allclose(layer(t).numpy(), expect, atol=1e-6)
    np.testing.assert_allclose(layer(torch.tensor(xin), mask=torch.tensor(mask)).numpy(), expect, atol=1e-6)
    assert layer.supports_masking and layer.compute_mask(t, torch.tensor(mask)) is None


def test_channels_last_max_pool_keeps_layout_and_grads():
    x = torch.randn(2, 6, 6, 4, requires_grad=True)
    y = L.MaxPooling2D(padding="same")(x)
    assert y.shape == (2, 3, 3, 4) and y.is_contiguous()
    y.sum().backward()
    assert x.grad.shape == x.shape


def test_config_and_aliases():
    layer = L.MaxPooling2D((2, 3))
    cfg = layer.get_config()
    assert set(cfg) == {"data_format", "dtype", "name", "padding", "pool_size", "strides", "trainable"}
    assert cfg["strides"] == (2, 3) and cfg["pool_size"] == (2, 3)
    assert set(L.GlobalAveragePooling2D().get_config()) == {"data_format", "dtype", "keepdims", "name", "trainable"}
    assert L.AveragePooling2D.from_config(L.AveragePooling2D(3, padding="same").get_config()).padding == "same"
    assert L.MaxPool2D is L.MaxPooling2D and L.AvgPool1D is L.AveragePooling1D
    assert L.GlobalAvgPool2D is L.GlobalAveragePooling2D and L.GlobalMaxPool3D is L.GlobalMaxPooling3D


@pytest.mark.parametrize("make,shape,match", [
    (lambda: L.MaxPooling2D(5), (1, 3, 3, 1), "zero or negative"),
    (lambda: L.AveragePooling1D(4), (1, 3, 1), "zero or negative"),
    (lambda: L.MaxPooling2D(), (1, 4, 4), "expected ndim=4"),
    (lambda: L.GlobalAveragePooling1D(), (1, 3, 3, 1), "expected ndim=3"),
    (lambda: L.GlobalMaxPooling3D(), (1, 3, 3, 1), "expected ndim=5"),
])
def test_bad_input_raises(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make()(torch.zeros(shape))


@pytest.mark.parametrize("make,match", [
    (lambda: L.MaxPooling2D(2, padding="full"), "padding"),
    (lambda: L.AveragePooling2D(2, data_format="nhwc"), "data_format"),
    (lambda: L.MaxPooling2D(0), "pool_size"),
    (lambda: L.MaxPooling1D(2, strides=0), "strides"),
    (lambda: L.GlobalMaxPooling2D(data_format="NCHW"), "data_format"),
])
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()
