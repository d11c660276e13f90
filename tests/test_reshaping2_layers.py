"""ZeroPadding, Cropping and UpSampling layers vs numpy (np.pad, slicing, np.repeat, a half-pixel bilinear)."""

import numpy as np
import pytest
import torch

from torchkeras.layers import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)

RNG = np.random.default_rng(2)
FORMATS = ("channels_last", "channels_first")


def rnd(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def run(layer, x):
    return layer(torch.from_numpy(x)).numpy()


def spatial(ndim, df):
    return list(range(1, ndim - 1)) if df == "channels_last" else list(range(2, ndim))


@pytest.mark.parametrize("df", FORMATS)
@pytest.mark.parametrize("cls,shape,arg,pairs", [
    (ZeroPadding1D, (2, 5, 3), 2, [(2, 2)]),
    (ZeroPadding1D, (2, 5, 3), (1, 3), [(1, 3)]),
    (ZeroPadding2D, (2, 5, 4, 3), 1, [(1, 1), (1, 1)]),
    (ZeroPadding2D, (2, 5, 4, 3), (2, 1), [(2, 2), (1, 1)]),
    (ZeroPadding2D, (2, 5, 4, 3), ((1, 2), (0, 3)), [(1, 2), (0, 3)]),
    (ZeroPadding3D, (2, 4, 3, 2, 3), ((1, 2), (0, 3), (2, 0)), [(1, 2), (0, 3), (2, 0)]),
    (ZeroPadding3D, (2, 4, 3, 2, 3), (1, 0, 2), [(1, 1), (0, 0), (2, 2)]),
])
def test_zero_padding(cls, shape, arg, pairs, df):
    x = rnd(*shape)
    layer = cls(arg, data_format=df)
    width = [(0, 0)] * x.ndim
    for a, p in zip(spatial(x.ndim, df), pairs):
        width[a] = p
    ref = np.pad(x, width)
    np.testing.assert_array_equal(run(layer, x), ref)
    sym = (None,) + tuple(None if i == spatial(x.ndim, df)[0] else s for i, s in enumerate(shape[1:], 1))
    expect = tuple(None if s is None else r for s, r in zip(sym, ref.shape))
    assert layer.compute_output_shape(sym) == expect
    assert layer.get_config()["padding"] == (pairs[0] if cls is ZeroPadding1D else tuple(pairs))


@pytest.mark.parametrize("df", FORMATS)
@pytest.mark.parametrize("cls,shape,arg,pairs", [
    (Cropping2D, (2, 7, 6, 5), 1, [(1, 1), (1, 1)]),
    (Cropping2D, (2, 7, 6, 5), (2, 1), [(2, 2), (1, 1)]),
    (Cropping2D, (2, 7, 6, 5), ((1, 2), (0, 3)), [(1, 2), (0, 3)]),
    (Cropping3D, (2, 7, 6, 5, 6), ((1, 2), (0, 3), (2, 0)), [(1, 2), (0, 3), (2, 0)]),
    (Cropping3D, (2, 7, 6, 5, 6), 1, [(1, 1)] * 3),
])
def test_cropping(cls, shape, arg, pairs, df):
    x = rnd(*shape)
    layer = cls(arg, data_format=df)
    index = [slice(None)] * x.ndim
    for a, (lo, hi) in zip(spatial(x.ndim, df), pairs):
        index[a] = slice(lo, x.shape[a] - hi)
    ref = x[tuple(index)]
    np.testing.assert_array_equal(run(layer, x), ref)
    assert layer.compute_output_shape(shape) == ref.shape
    assert layer.compute_output_shape((None,) * len(shape))[0] is None


def test_cropping1d():
    x = rnd(2, 7, 3)
    np.testing.assert_array_equal(run(Cropping1D((2, 1)), x), x[:, 2:6])
    np.testing.assert_array_equal(run(Cropping1D(3), x), x[:, 3:4])
    np.testing.assert_array_equal(run(Cropping1D((0, 0)), x), x)
    assert Cropping1D((2, 1)).compute_output_shape((None, None, 3)) == (None, None, 3)
    assert set(Cropping1D().get_config()) >= {"cropping"} and "data_format" not in Cropping1D().get_config()


@pytest.mark.parametrize("df", FORMATS)
def test_upsampling_nearest(df):
    x = rnd(2, 3, 4, 5)
    ref = x
    for a, f in zip(spatial(4, df), (3, 2)):
        ref = np.repeat(ref, f, axis=a)
    np.testing.assert_array_equal(run(UpSampling2D((3, 2), data_format=df), x), ref)
    x3 = rnd(2, 3, 2, 4, 3)
    ref = x3
    for a, f in zip(spatial(5, df), (2, 1, 3)):
        ref = np.repeat(ref, f, axis=a)
    np.testing.assert_array_equal(run(UpSampling3D((2, 1, 3), data_format=df), x3), ref)
    np.testing.assert_array_equal(run(UpSampling1D(3), x[0]), np.repeat(x[0], 3, axis=1))
    assert UpSampling2D((3, 2), data_format=df).compute_output_shape((None, 4, 5, 6)) == (
        (None, 12, 10, 6) if df == "channels_last" else (None, 4, 15, 12))


def bilinear_half_pixel(img, fh, fw):
    """TF's resize_bilinear(half_pixel_centers=True) on one (H, W) plane, written from its definition."""
    h, w = img.shape

    def taps(n_in, f):
        pos = (np.arange(n_in * f) + 0.5) / f - 0.5
        lo = np.floor(pos)
        frac = pos - lo
        return np.clip(lo, 0, n_in - 1).astype(int), np.clip(lo + 1, 0, n_in - 1).astype(int), frac

    y0, y1, fy = taps(h, fh)
    x0, x1, fx = taps(w, fw)
    img = img.astype(np.float64)
    top = img[y0][:, x0] * (1 - fx) + img[y0][:, x1] * fx
    bot = img[y1][:, x0] * (1 - fx) + img[y1][:, x1] * fx
    return top * (1 - fy)[:, None] + bot * fy[:, None]


@pytest.mark.parametrize("df", FORMATS)
@pytest.mark.parametrize("size", [2, (3, 2), (1, 4)])
def test_upsampling_bilinear(df, size):
    x = rnd(2, 5, 3, 4)
    fh, fw = (size, size) if isinstance(size, int) else size
    planes = x if df == "channels_first" else x.transpose(0, 3, 1, 2)
    ref = np.stack([np.stack([bilinear_half_pixel(p, fh, fw) for p in img]) for img in planes])
    ref = ref if df == "channels_first" else ref.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(run(UpSampling2D(size, data_format=df, interpolation="bilinear"), x), ref,
                               rtol=1e-5, atol=1e-6)


def test_argument_errors():
    with pytest.raises(ValueError, match="two elements"):
        ZeroPadding2D(padding=(1, 2, 3))
    with pytest.raises(ValueError, match="3 elements|three elements"):
        ZeroPadding3D(padding=(1, 2))
    with pytest.raises(ValueError):
        ZeroPadding1D(padding=-1)
    with pytest.raises(ValueError):
        ZeroPadding2D(padding=-1)
    with pytest.raises(ValueError):
        ZeroPadding2D(padding="a")
    with pytest.raises(ValueError, match="negative"):
        Cropping2D(cropping=-1)
    with pytest.raises(ValueError, match="2nd entry of cropping"):
        Cropping2D(cropping=((1, 2), (3, -1)))
    with pytest.raises(ValueError):
        Cropping3D(cropping=(1, 2))
    with pytest.raises(ValueError):
        Cropping1D(cropping=(1, 2, 3))
    with pytest.raises(ValueError, match="data_format"):
        ZeroPadding2D(data_format="channels_middle")
    with pytest.raises(TypeError):
        UpSampling1D(size=2.0)
    with pytest.raises(ValueError):
        UpSampling1D(size=0)
    with pytest.raises(ValueError):
        UpSampling2D(size=0)
    with pytest.raises(ValueError, match="interpolation"):
        UpSampling2D(interpolation="foo")
    with pytest.raises(ValueError, match="ndim"):
        ZeroPadding1D()(torch.zeros(2, 3))


def test_cropping_more_than_input():
    with pytest.raises(ValueError, match="smaller than"):
        Cropping2D(cropping=2)(torch.zeros(1, 4, 5, 1))
    with pytest.raises(ValueError, match="smaller than"):
        Cropping2D(cropping=((0, 0), (3, 3)), data_format="channels_first")(torch.zeros(1, 1, 9, 6))
    with pytest.raises(ValueError, match="smaller than the input length"):
        Cropping1D(cropping=2)(torch.zeros(1, 4, 5))
    with pytest.raises(ValueError, match="smaller than"):
        Cropping3D(cropping=2)(torch.zeros(1, 4, 5, 6, 1))
    with pytest.raises(ValueError, match="smaller than"):
        Cropping2D(cropping=2).compute_output_shape((None, 4, 8, 1))


def test_gradients_flow():
    x = torch.randn(2, 4, 4, 3, requires_grad=True)
    for layer in (ZeroPadding2D(1), Cropping2D(1), UpSampling2D(2), UpSampling2D(2, interpolation="bilinear")):
        layer(x).sum().backward()
    # Each input cell appears once in pad, 4 times in nearest x2, (crop interior once), bilinear sums to 4.
    assert torch.isfinite(x.grad).all()
    assert abs(float(x.grad.sum()) - 2 * 4 * 4 * 3 * (1 + 4 + 4) - 2 * 2 * 2 * 3) < 1e-3
