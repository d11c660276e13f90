"""Image resizing with TensorFlow's `tf.image.resize` numerics (what Keras's Resizing runs on).

Most methods are a separable resampling: one (out, in) weight matrix per spatial axis, applied with
two matmuls. Nearest goes to `F.interpolate("nearest-exact")` (TF's half-pixel rule); bilinear
without antialias is TF's lerp form (see `_bilinear`). Bicubic without antialias reproduces TF's ResizeBicubic (Keys a=-0.5 with its
1024-entry coefficient table, taps outside the image dropped and the rest renormalised); area is
TF's box overlap; lanczos and every antialiased method are TF's ScaleAndTranslate kernels.
"""

import functools
import math

import numpy as np
import torch
import torch.nn.functional as F

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x):
    x = np.abs(x)
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        x = np.abs(x)
        safe = np.where(x == 0, 1.0, x)
        val = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (np.pi ** 2 * safe ** 2)
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, val))
    return kernel, float(radius)


_KERNELS = {"bilinear": (_triangle, 1.0), "bicubic": (_keys_cubic, 2.0),
            "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


def _scale_translate_weights(in_size, out_size, method, antialias):
    """TF ScaleAndTranslate weights: a kernel centred on each sample, clipped to the image, normalised."""
    kernel, radius = _KERNELS[method]
    scale = np.float32(out_size) / np.float32(in_size)
    inv_scale = 1.0 / float(scale)
    kscale = max(inv_scale, 1.0) if antialias else 1.0
    w = np.zeros((out_size, in_size), dtype=np.float64)
    for x in range(out_size):
        sample = (x + 0.5) * inv_scale
        if sample < 0 or sample > in_size:
            continue
        start = min(max(math.ceil(sample - radius * kscale - 0.5), 0), in_size - 1)
        end = min(max(math.floor(sample + radius * kscale - 0.5), 0), in_size - 1) + 1
        src = np.arange(start, end)
        vals = kernel((src + 0.5 - sample) / kscale)
        total = vals.sum()
        if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
            vals = vals / total
        w[x, start:end] = vals
    return w


def _cubic_table():
    a = -0.5
    x = np.arange(1025, dtype=np.float64) / 1024.0
    near = (((a + 2) * x - (a + 3)) * x * x + 1).astype(np.float32)
    x1 = x + 1.0
    far = (((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a).astype(np.float32)
    return near, far


_TABLE = _cubic_table()


def _bicubic_weights(in_size, out_size):
    """TF ResizeBicubic (half-pixel centres): quantised Keys weights, outside taps renormalised away."""
    near, far = _TABLE
    scale = np.float32(in_size) / np.float32(out_size)
    w = np.zeros((out_size, in_size), dtype=np.float64)
    for x in range(out_size):
        pos = (np.float32(x) + np.float32(0.5)) * scale - np.float32(0.5)
        loc = int(np.floor(pos))
        offset = int(np.rint((pos - np.float32(loc)) * np.float32(1024)))
        taps = (far[offset], near[offset], near[1024 - offset], far[1024 - offset])
        idx = [loc - 1, loc, loc + 1, loc + 2]
        kept = [(i, float(t)) for i, t in zip(idx, taps) if 0 <= i < in_size]
        total = sum(t for _, t in kept)
        for i, t in kept:
            w[x, i] += t / total if abs(total) >= 1000.0 * np.finfo(np.float32).tiny else t
    return w


def _area_weights(in_size, out_size):
    """TF ResizeArea: each output cell averages the input cells it overlaps, by overlap length."""
    scale = np.float32(in_size) / np.float32(out_size)
    w = np.zeros((out_size, in_size), dtype=np.float64)
    for x in range(out_size):
        lo, hi = float(np.float32(x) * scale), float(np.float32(x + 1) * scale)
        for i in range(int(math.floor(lo)), int(math.ceil(hi))):
            overlap = min(i + 1, hi) - max(i, lo)
            w[x, min(i, in_size - 1)] += overlap
    return w / float(scale)


@functools.lru_cache(maxsize=256)
def _weights_cpu(in_size, out_size, method, antialias):
    # built once per (sizes, method): the per-output loops are Python
    if method == "area":
        w = _area_weights(in_size, out_size)
    elif method == "bicubic" and not antialias:
        w = _bicubic_weights(in_size, out_size)
    else:
        w = _scale_translate_weights(in_size, out_size, method, antialias)
    return torch.from_numpy(w.astype(np.float32))


def _weights(in_size, out_size, method, antialias, device):
    return _weights_cpu(int(in_size), int(out_size), method, bool(antialias)).to(device)


def _bilinear_axis(in_size, out_size, device):
    scale = np.float32(in_size) / np.float32(out_size)
    pos = (torch.arange(out_size, dtype=torch.float32) + 0.5) * float(scale) - 0.5
    low = torch.floor(pos)
    lerp = (pos - low).to(device)
    lo = low.clamp_min(0).long().to(device)
    hi = torch.ceil(pos).clamp_max(in_size - 1).long().to(device)
    return lo, hi, lerp


def _bilinear(x, out_h, out_w):
    """TF ResizeBilinear (half-pixel centres) with its lerp form `a + (b - a) * t`, x then y, so
    values on exact halves round like TF's when integer images are rounded afterwards."""
    ylo, yhi, ylerp = _bilinear_axis(x.shape[-2], out_h, x.device)
    xlo, xhi, xlerp = _bilinear_axis(x.shape[-1], out_w, x.device)
    top, bottom = x.index_select(-2, ylo), x.index_select(-2, yhi)
    tl, tr = top.index_select(-1, xlo), top.index_select(-1, xhi)
    bl, br = bottom.index_select(-1, xlo), bottom.index_select(-1, xhi)
    top = tl + (tr - tl) * xlerp
    bottom = bl + (br - bl) * xlerp
    return top + (bottom - top) * ylerp.unsqueeze(-1)


def resize_nchw(x, size, method="bilinear", antialias=False):
    """Resize a float (N, C, H, W) tensor as `tf.image.resize` does (float32 result)."""
    out_h, out_w = int(size[0]), int(size[1])
    if method == "nearest":
        return F.interpolate(x, size=(out_h, out_w), mode="nearest-exact")
    x = x.float()
    if method == "bilinear" and not antialias:
        return _bilinear(x, out_h, out_w)
    wh = _weights(x.shape[-2], out_h, method, antialias, x.device)
    ww = _weights(x.shape[-1], out_w, method, antialias, x.device)
    return torch.matmul(torch.matmul(wh, x), ww.t())


def _as_nchw(images, data_format):
    unbatched = images.ndim == 3
    x = images.unsqueeze(0) if unbatched else images
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    return x, unbatched


def _from_nchw(x, unbatched, data_format):
    if data_format == "channels_last":
        x = x.permute(0, 2, 3, 1)
    return x.squeeze(0) if unbatched else x


def _aspect_box(height, width, target_h, target_w, crop):
    """Keras's crop/pad box: sizes computed in float32 and truncated, as its TF code does."""
    f32 = np.float32
    h = int(f32(width * target_h) / f32(target_w))
    w = int(f32(height * target_w) / f32(target_h))
    if crop:
        h, w = max(min(height, h), 1), max(min(width, w), 1)
        return h, w, int(f32(height - h) / f32(2)), int(f32(width - w) / f32(2))
    h, w = max(height, h), max(width, w)
    return h, w, int(f32(h - height) / f32(2)), int(f32(w - width) / f32(2))


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format="channels_last"):
    """keras.ops.image.resize (TensorFlow numerics) on a rank-3 or rank-4 torch tensor."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` "
                         f"is supported. Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    if len(size) != 2:
        raise ValueError(f"Argument `size` must be a tuple of two elements (height, width). Received: size={size}")
    if images.ndim not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                         f"Received input with shape: images.shape={tuple(images.shape)}")
    x, unbatched = _as_nchw(images, data_format)
    height, width = x.shape[-2], x.shape[-1]
    if crop_to_aspect_ratio:
        h, w, top, left = _aspect_box(height, width, size[0], size[1], crop=True)
        x = x[:, :, top:top + h, left:left + w]
    elif pad_to_aspect_ratio:
        _, _, top, left = _aspect_box(height, width, size[0], size[1], crop=False)
        if top > 0 or left > 0:
            # F.pad's constant fill is exact for any fill_value; TF multiplies ones by it (same values).
            x = F.pad(x, (left, left, top, top), value=float(fill_value))
    out = resize_nchw(x, size, interpolation, antialias)
    return _from_nchw(out, unbatched, data_format)
