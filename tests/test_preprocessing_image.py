"""Image preprocessing layers: deterministic numerics against independent numpy references, the
training flag, dict inputs, shapes/configs and Keras's argument errors."""

import math

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _img(shape=(2, 6, 7, 3), seed=0, high=255.0):
    return np.random.default_rng(seed).uniform(0, high, shape).astype("float32")


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


# ------------------------------------------------------------------ numpy references
def _bilinear_ref(x, out_h, out_w):
    """Half-pixel-centre bilinear resize of (N, H, W, C), edge-clamped."""
    n, h, w, c = x.shape

    def axis(size, out):
        pos = (np.arange(out) + 0.5) * size / out - 0.5
        lo = np.floor(pos)
        t = pos - lo
        return np.clip(lo, 0, size - 1).astype(int), np.clip(lo + 1, 0, size - 1).astype(int), t
    y0, y1, ty = axis(h, out_h)
    x0, x1, tx = axis(w, out_w)
    top = x[:, y0][:, :, x0] * (1 - tx)[None, None, :, None] + x[:, y0][:, :, x1] * tx[None, None, :, None]
    bot = x[:, y1][:, :, x0] * (1 - tx)[None, None, :, None] + x[:, y1][:, :, x1] * tx[None, None, :, None]
    return top * (1 - ty)[None, :, None, None] + bot * ty[None, :, None, None]


def _area_ref(x, out_h, out_w):
    """Box average: each output cell is the overlap-weighted mean of the input cells it covers."""
    def weights(size, out):
        s = size / out
        w = np.zeros((out, size))
        for o in range(out):
            lo, hi = o * s, (o + 1) * s
            for i in range(size):
                w[o, i] = max(0.0, min(i + 1, hi) - max(i, lo))
        return w / s
    return np.einsum("ah,nhwc,bw->nabc", weights(x.shape[1], out_h), x, weights(x.shape[2], out_w))


def _warp_ref(img, fn, fill):
    """Nearest-neighbour warp of one (H, W, C) image: output (y, x) reads input fn(x, y), else `fill`."""
    h, w, _ = img.shape
    out = np.empty_like(img)
    for y in range(h):
        for x in range(w):
            sx, sy = fn(x, y)
            rx, ry = int(math.floor(sx + 0.5)), int(math.floor(sy + 0.5))
            out[y, x] = img[ry, rx] if (0 <= rx < w and 0 <= ry < h) else fill
    return out


# ------------------------------------------------------------------ deterministic layers
def test_rescaling_matches_formula_and_per_channel_scale():
    x = _img()
    np.testing.assert_allclose(_np(layers.Rescaling(1 / 255.0, offset=-0.5)(x)), x / 255.0 - 0.5, rtol=1e-6, atol=1e-6)
    out = layers.Rescaling([1.0, 2.0, 3.0], offset=[0.0, 1.0, 2.0])(x)
    np.testing.assert_allclose(_np(out), x * [1, 2, 3] + [0, 1, 2], rtol=1e-6)
    assert layers.Rescaling(2.0)(np.arange(4, dtype="int32")).dtype == torch.float32


@pytest.mark.parametrize("size", [(3, 4), (11, 13)])
def test_resizing_bilinear_matches_half_pixel_reference(size):
    x = _img((2, 6, 7, 3), high=1.0)
    out = layers.Resizing(*size)(x)
    np.testing.assert_allclose(_np(out), _bilinear_ref(x.astype(np.float64), *size), atol=1e-5)


def test_resizing_area_downsample_is_box_average():
    x = _img((1, 8, 9, 2), high=1.0)
    out = layers.Resizing(4, 3, interpolation="area")(x)
    np.testing.assert_allclose(_np(out), _area_ref(x.astype(np.float64), 4, 3), atol=1e-5)
    # an exact 2x reduction is the mean of 2x2 blocks
    x2 = _img((1, 8, 6, 1), high=1.0)
    blocks = x2.reshape(1, 4, 2, 3, 2, 1).mean(axis=(2, 4))
    np.testing.assert_allclose(_np(layers.Resizing(4, 3, interpolation="area")(x2)), blocks, atol=1e-6)


def test_resizing_nearest_picks_half_pixel_sources():
    x = np.arange(1 * 4 * 6 * 1, dtype="float32").reshape(1, 4, 6, 1)
    out = _np(layers.Resizing(2, 3, interpolation="nearest")(x))
    rows = np.floor((np.arange(2) + 0.5) * 2).astype(int)
    cols = np.floor((np.arange(3) + 0.5) * 2).astype(int)
    np.testing.assert_array_equal(out, x[:, rows][:, :, cols])


def test_resizing_same_size_smooth_methods_are_identity():
    x = _img((2, 5, 6, 3), high=1.0)
    for interp in ("bilinear", "bicubic", "area", "lanczos3", "lanczos5"):
        np.testing.assert_allclose(_np(layers.Resizing(5, 6, interpolation=interp)(x)), x, atol=1e-5,
                                   err_msg=interp)


def test_resizing_crop_and_pad_to_aspect_ratio():
    x = _img((1, 6, 10, 1))
    # crop: the centred 6x6 window, then an identity resize
    np.testing.assert_allclose(_np(layers.Resizing(6, 6, crop_to_aspect_ratio=True)(x)), x[:, :, 2:8], atol=1e-4)
    # pad: 2 rows of fill_value above and below, then an identity resize
    out = _np(layers.Resizing(10, 10, pad_to_aspect_ratio=True, fill_value=-3.0)(x))
    np.testing.assert_allclose(out[:, 2:8], x, atol=1e-4)
    np.testing.assert_allclose(out[:, :2], -3.0)
    np.testing.assert_allclose(out[:, 8:], -3.0)


def test_resizing_keeps_integer_dtype_and_channels_first():
    x = np.random.default_rng(1).integers(0, 255, (2, 5, 6, 3)).astype("uint8")
    out = layers.Resizing(3, 4)(x)
    assert out.dtype == torch.uint8
    cf = layers.Resizing(3, 4, data_format="channels_first")(np.transpose(x, (0, 3, 1, 2)).astype("float32"))
    ref = _bilinear_ref(x.astype(np.float64), 3, 4)
    np.testing.assert_allclose(_np(cf), np.transpose(ref, (0, 3, 1, 2)), atol=1e-4)
    np.testing.assert_array_equal(_np(out), np.clip(np.round(ref), 0, 255))


def test_center_crop_crops_and_upsizes():
    x = _img((2, 9, 10, 3))
    np.testing.assert_array_equal(_np(layers.CenterCrop(5, 4)(x)), x[:, 2:7, 3:7])
    np.testing.assert_array_equal(_np(layers.CenterCrop(5, 4)(x[0])), x[0, 2:7, 3:7])
    assert tuple(layers.CenterCrop(12, 8)(x).shape) == (2, 12, 8, 3)
    assert layers.CenterCrop(5, 4).compute_output_shape((None, 9, 10, 3)) == (None, 5, 4, 3)


# ------------------------------------------------------------------ geometric transforms with a pinned draw
def test_random_rotation_half_turn_reverses_both_axes():
    x = _img((2, 5, 7, 3))
    out = layers.RandomRotation(factor=(0.5, 0.5), interpolation="nearest")(x, training=True)
    np.testing.assert_allclose(_np(out), x[:, ::-1, ::-1], atol=1e-3)


def test_random_rotation_quarter_turn_matches_nearest_warp():
    x = _img((1, 6, 6, 2))
    out = _np(layers.RandomRotation((0.25, 0.25), fill_mode="constant", interpolation="nearest",
                                    fill_value=-1.0)(x, training=True))[0]
    # a counter-clockwise quarter turn about (2.5, 2.5): output (x, y) reads input (5 - y, x)
    np.testing.assert_allclose(out, _warp_ref(x[0], lambda px, py: (5 - py, px), -1.0), atol=1e-3)


def test_random_translation_integer_shift_with_constant_fill():
    x = _img((2, 6, 8, 3))
    layer = layers.RandomTranslation((0.5, 0.5), (-0.25, -0.25), fill_mode="constant", fill_value=7.0)
    out = _np(layer(x, training=True))
    ref = np.full_like(x, 7.0)
    ref[:, 3:, :6] = x[:, :3, 2:]
    np.testing.assert_allclose(out, ref, atol=1e-4)


def test_random_translation_fill_modes_follow_their_rules():
    x = np.arange(1 * 1 * 6 * 1, dtype="float32").reshape(1, 1, 6, 1)
    def shift(mode):
        return _np(layers.RandomTranslation((0, 0), (0.5, 0.5), fill_mode=mode, interpolation="nearest")(
            x, training=True))[0, 0, :, 0]
    np.testing.assert_array_equal(shift("constant"), [0, 0, 0, 0, 1, 2])
    np.testing.assert_array_equal(shift("nearest"), [0, 0, 0, 0, 1, 2])
    np.testing.assert_array_equal(shift("wrap"), [3, 4, 5, 0, 1, 2])
    np.testing.assert_array_equal(shift("reflect"), [2, 1, 0, 0, 1, 2])


def test_random_zoom_out_by_two_samples_every_other_pixel():
    x = _img((1, 5, 5, 1))
    out = _np(layers.RandomZoom((1.0, 1.0), fill_mode="constant", interpolation="nearest")(x, training=True))
    # zoom factor 2 about the centre (2, 2): output (y, x) reads input (2y - 2, 2x - 2)
    ref = _warp_ref(x[0], lambda px, py: (2 * px - 2, 2 * py - 2), 0.0)
    np.testing.assert_allclose(out[0], ref, atol=1e-4)


def test_random_flip_flips_each_image_either_way():
    x = _img((16, 3, 4, 1))
    out = _np(layers.RandomFlip("horizontal", seed=3)(x, training=True))
    flipped = [bool(np.array_equal(o, i[:, ::-1])) for o, i in zip(out, x)]
    kept = [bool(np.array_equal(o, i)) for o, i in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


# ------------------------------------------------------------------ colour layers with a pinned draw
def test_brightness_contrast_and_invert_formulas():
    x = _img()
    np.testing.assert_allclose(_np(layers.RandomBrightness((0.1, 0.1))(x, training=True)),
                               np.clip(x + 25.5, 0, 255), rtol=1e-6)
    contrast = layers.RandomContrast(0.0)(x, training=True)
    np.testing.assert_allclose(_np(contrast), x, rtol=1e-5)
    np.testing.assert_allclose(_np(layers.RandomInvert((1.0, 1.0))(x, training=True)), 255 - x, rtol=1e-6)
    np.testing.assert_allclose(_np(layers.Solarization()(x, training=True)), 255 - x, rtol=1e-6)


def test_grayscale_degeneration_and_posterization_formulas():
    x = _img()
    gray = (x @ np.array([0.2989, 0.5870, 0.1140]))[..., None]
    np.testing.assert_allclose(_np(layers.RandomGrayscale(1.0)(x, training=True)), np.repeat(gray, 3, -1), rtol=1e-5)
    deg = _np(layers.RandomColorDegeneration((0.25, 0.25))(x, training=True))
    np.testing.assert_allclose(deg, np.clip(x + 0.25 * (gray - x), 0, 255), rtol=1e-5, atol=1e-3)
    post = _np(layers.RandomPosterization((3, 3))(x, training=True))
    np.testing.assert_array_equal(post, (x.astype(np.uint8) >> 5 << 5).astype("float32"))


def test_saturation_zero_gives_gray_value_max_and_hue_zero_is_identity():
    x = _img((2, 4, 5, 3), high=1.0)
    sat = _np(layers.RandomSaturation((0.0, 0.0), value_range=(0, 1))(x, training=True))
    np.testing.assert_allclose(sat, np.repeat(x.max(-1, keepdims=True), 3, -1), atol=1e-6)
    hue = _np(layers.RandomHue(0.0, value_range=(0, 1))(x, training=True))
    np.testing.assert_allclose(hue, x, atol=1e-5)


def test_gaussian_blur_matches_separable_kernel_with_zero_padding():
    x = _img((1, 6, 7, 1))
    sigma = 0.8
    out = _np(layers.RandomGaussianBlur((1.0, 1.0), kernel_size=3, sigma=(sigma, sigma))(x, training=True))
    k = np.exp(-0.5 * (np.arange(3) - 1.0) ** 2 / (sigma + 1e-6) ** 2)
    k2 = np.outer(k / k.sum(), k / k.sum())
    pad = np.pad(x[0, :, :, 0], 1)
    ref = np.array([[(pad[i:i + 3, j:j + 3] * k2).sum() for j in range(7)] for i in range(6)])
    np.testing.assert_allclose(out[0, :, :, 0], np.clip(ref, 0, 255), rtol=1e-5, atol=1e-3)


def test_auto_contrast_stretches_each_channel():
    x = _img((2, 4, 5, 3), high=100.0) + 50
    out = _np(layers.AutoContrast()(x))
    lo, hi = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - lo) * 255.0 / (hi - lo), rtol=1e-4, atol=1e-3)


def test_equalization_matches_histogram_cdf_reference():
    x = np.random.default_rng(3).integers(0, 64, (2, 8, 8, 3)).astype("float32")
    out = _np(layers.Equalization(bins=64, value_range=(0, 63))(x))
    for c in range(3):
        v = (x[..., c] * np.float32(255 / 63)).astype(np.float32)       # to [0, 255]
        idx = np.clip((v * np.float32(63) / np.float32(255)).astype(np.int32), 0, 63)
        cdf = np.cumsum(np.bincount(idx.ravel(), minlength=64))
        cmin = cdf[np.nonzero(cdf)[0][0]]
        table = np.clip(np.round((cdf - cmin) * 255 / (cdf[-1] - cmin)), 0, 255)
        look = np.clip((v / np.float32(255)) * np.float32(63), 0, 63).astype(np.int32)
        np.testing.assert_allclose(out[..., c], table[look] * 63 / 255, atol=1e-4)


# ------------------------------------------------------------------ training flag, dicts, batching
def test_augmentation_is_off_at_inference_and_in_predict():
    x = _img()
    layer = layers.RandomRotation(0.3, seed=1)
    np.testing.assert_array_equal(_np(layer(x, training=False)), x)
    assert not np.allclose(_np(layer(x)), x)  # a standalone call trains, as Keras's training=True default
    model = keras.Sequential([keras.Input((6, 7, 3)), layers.RandomFlip(seed=2), layers.RandomZoom(0.4, seed=2)])
    np.testing.assert_allclose(model.predict(x, verbose=0), x)


def test_seeded_layers_are_reproducible():
    x = _img((4, 6, 7, 3))
    a = _np(layers.RandomTranslation(0.3, 0.3, seed=5)(x))
    b = _np(layers.RandomTranslation(0.3, 0.3, seed=5)(x))
    np.testing.assert_array_equal(a, b)


def test_dict_inputs_transform_images_labels_masks_and_boxes_together():
    x = _img((2, 8, 8, 3))
    masks = np.zeros((2, 8, 8, 1), "float32")
    masks[:, :, :4] = 1
    boxes = {"boxes": np.array([[[0, 0, 4, 8]], [[0, 0, 4, 8]]], "float32"), "labels": np.array([[1], [2]])}
    out = layers.RandomFlip("horizontal", bounding_box_format="xyxy", seed=0)(
        {"images": x, "labels": np.eye(2, dtype="float32"), "segmentation_masks": masks, "bounding_boxes": boxes},
        training=True)
    for i in range(2):
        flipped = np.array_equal(_np(out["images"][i]), x[i][:, ::-1])
        np.testing.assert_array_equal(_np(out["segmentation_masks"][i]), masks[i][:, ::-1] if flipped else masks[i])
        expect = [4, 0, 8, 8] if flipped else [0, 0, 4, 8]
        np.testing.assert_allclose(_np(out["bounding_boxes"]["boxes"][i, 0]), expect, atol=1e-5)
    np.testing.assert_array_equal(_np(out["labels"]), np.eye(2))


def test_bounding_boxes_require_a_format():
    with pytest.raises(ValueError, match="bounding box format"):
        layers.RandomFlip()({"images": _img(), "bounding_boxes": {"boxes": np.zeros((2, 1, 4)),
                                                                  "labels": np.zeros((2, 1))}})


def test_mixup_images_mix_with_the_label_weights():
    x = _img((6, 4, 4, 3))
    out = layers.MixUp(alpha=0.5, seed=1)({"images": x, "labels": np.eye(6, dtype="float32")})
    lab = _np(out["labels"])
    np.testing.assert_allclose(lab.sum(-1), 1.0, rtol=1e-5)
    # one-hot labels mix into w e_i + (1 - w) e_p(i): the images mix with the same coefficients
    np.testing.assert_allclose(_np(out["images"]), np.einsum("ij,jhwc->ihwc", lab, x), rtol=1e-5, atol=1e-3)


def test_shapes_configs_round_trip_and_unbatched_inputs():
    x = _img((2, 8, 9, 3))
    for cls, kw in [(layers.RandomCrop, {"height": 4, "width": 5}), (layers.RandomErasing, {}),
                    (layers.CutMix, {}), (layers.AugMix, {}), (layers.RandAugment, {}),
                    (layers.RandomPerspective, {}), (layers.RandomElasticTransform, {}),
                    (layers.RandomColorJitter, {"brightness_factor": 0.2, "saturation_factor": 0.4}),
                    (layers.ContrastLimitedAdaptiveHistogramEqualization, {"tile_grid_size": (2, 2)})]:
        layer = cls(seed=1, **kw) if "seed" in cls.__init__.__code__.co_varnames else cls(**kw)
        out = layer(x)
        assert tuple(out.shape) == layer.compute_output_shape((2, 8, 9, 3)), cls.__name__
        assert out.dtype == torch.float32
        assert tuple(layer(x[0]).shape) == tuple(out.shape[1:])
        clone = cls.from_config(layer.get_config())
        assert clone.get_config() == layer.get_config() or cls is layers.RandomCrop


def test_max_num_bounding_boxes_pads_and_truncates():
    boxes = {"boxes": np.ones((2, 3, 4), "float32"), "labels": np.ones((2, 3), "int64")}
    out = layers.MaxNumBoundingBoxes(5, bounding_box_format="xyxy")({"images": _img(), "bounding_boxes": boxes})
    assert tuple(out["bounding_boxes"]["boxes"].shape) == (2, 5, 4)
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["labels"])[:, 3:], -1)
    out = layers.MaxNumBoundingBoxes(2, bounding_box_format="xyxy")({"images": _img(), "bounding_boxes": boxes})
    assert tuple(out["bounding_boxes"]["labels"].shape) == (2, 2)


def test_pipeline_chains_layers_and_round_trips():
    x = _img((2, 10, 12, 3))
    p = layers.Pipeline([layers.AutoContrast(), layers.CenterCrop(8, 9)])
    out = p(x)
    assert tuple(out.shape) == (2, 8, 9, 3)
    np.testing.assert_allclose(_np(layers.Pipeline.from_config(p.get_config())(x)), _np(out))
    with pytest.raises(ValueError, match="layers"):
        layers.Pipeline.from_config({"name": "p"})


# ------------------------------------------------------------------ Keras's argument errors
@pytest.mark.parametrize("make, exc, msg", [
    (lambda: layers.RandomRotation(1.5), ValueError, r"`factor` argument .* \[-1, 1\]. Received: factor=1.5"),
    (lambda: layers.RandomRotation(0.2, fill_mode="mirror"), NotImplementedError, "Unknown `fill_mode` mirror"),
    (lambda: layers.RandomZoom(-1.0), ValueError, r"\(-1.0, 1.0\]. Received: input_number=-1.0"),
    (lambda: layers.RandomTranslation((0.1, 0.2, 0.3), 0.1), ValueError, "Received: height_factor"),
    (lambda: layers.RandomContrast(1.5), ValueError, r"\[0, 1\]. Received: factor=1.5"),
    (lambda: layers.RandomBrightness(0.2, value_range=(0, 1, 2)), ValueError, "value_range"),
    (lambda: layers.RandomGrayscale(2.0), ValueError, "between 0 and 1"),
    (lambda: layers.RandomGaussianBlur(kernel_size=4), ValueError, "must be an odd number"),
    (lambda: layers.RandomPerspective(scale=2.0), ValueError, "`scale` argument"),
    (lambda: layers.RandomFlip(factor=0.3), ValueError, "does not take a `factor` argument"),
    (lambda: layers.Resizing(4, 4, interpolation="cubic")(_img()), ValueError, "interpolation=cubic"),
    (lambda: layers.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)(_img()), ValueError,
     "Only one of"),
    (lambda: layers.RandomFlip()(np.zeros((1, 2, 3, 4, 5), "float32")), ValueError, "rank 3"),
])
def test_bad_arguments_raise_keras_errors(make, exc, msg):
    with pytest.raises(exc, match=msg):
        make()
