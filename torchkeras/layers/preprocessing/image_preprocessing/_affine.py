"""Projective image warps with TensorFlow's ImageProjectiveTransformV3 numerics.

Keras's RandomRotation / RandomZoom / RandomTranslation / RandomShear / RandomPerspective call
`ops.image.affine_transform`, which on TensorFlow is that kernel: each output pixel (x, y) reads the
input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1; the coordinate is
folded into the image by `fill_mode` (reflect / wrap / nearest; constant leaves it) and read with
nearest (round half away from zero) or bilinear interpolation, pixels outside reading `fill_value`.
"""

import torch

FILL_MODES = ("constant", "nearest", "wrap", "reflect")
INTERPOLATIONS = ("nearest", "bilinear")


def _reflect(c, n):
    if n <= 1:
        return torch.zeros_like(c)
    sz2 = 2 * n
    neg = c < 0
    # below zero: fold by whole periods (truncating, as the C++ int cast), then mirror once
    lo = torch.where(c < sz2, sz2 * torch.trunc(-c / sz2) + c, c)
    lo = torch.where(lo < -n, lo + sz2, -lo - 1)
    hi = c - sz2 * torch.trunc(c / sz2)
    hi = torch.where(hi >= n, sz2 - hi - 1, hi)
    out = torch.where(neg, lo, torch.where(c > n - 1, hi, c))
    return out.clamp(0, n - 1)


def _wrap(c, n):
    if n <= 1:
        return torch.zeros_like(c)
    sz = n - 1
    lo = c + n * (torch.trunc(-c / sz) + 1)
    hi = c - n * torch.trunc(c / sz)
    out = torch.where(c < 0, lo, torch.where(c > n - 1, hi, c))
    return out.clamp(0, n - 1)


def map_coordinate(c, n, fill_mode):
    if fill_mode == "reflect":
        return _reflect(c, n)
    if fill_mode == "wrap":
        return _wrap(c, n)
    if fill_mode == "nearest":
        return c.clamp(0, n - 1)
    return c


def _gather(flat, yi, xi, h, w, fill):
    """Read (N, C, H*W) at integer coordinates (N, P); out-of-image reads give `fill`."""
    inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
    idx = (yi.clamp(0, h - 1) * w + xi.clamp(0, w - 1)).long()
    vals = torch.gather(flat, 2, idx.unsqueeze(1).expand(-1, flat.shape[1], -1))
    return torch.where(inside.unsqueeze(1), vals, fill)


def projective_transform_nchw(x, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Warp float (N, C, H, W) images by (N, 8) projective transforms (output -> input mapping)."""
    n, c, h, w = x.shape
    t = transform.to(device=x.device, dtype=torch.float32)
    if t.ndim == 1:
        t = t.unsqueeze(0)
    t = t.expand(n, 8)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32, device=x.device),
                            torch.arange(w, dtype=torch.float32, device=x.device), indexing="ij")
    xs, ys = xs.reshape(1, -1), ys.reshape(1, -1)
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, i:i + 1] for i in range(8))
    k = c0 * xs + c1 * ys + 1.0
    in_x = map_coordinate((a0 * xs + a1 * ys + a2) / k, w, fill_mode)
    in_y = map_coordinate((b0 * xs + b1 * ys + b2) / k, h, fill_mode)
    flat = x.reshape(n, c, h * w).float()
    fill = torch.tensor(float(fill_value), dtype=torch.float32, device=x.device)
    if interpolation == "nearest":
        rx = torch.sign(in_x) * torch.floor(in_x.abs() + 0.5)
        ry = torch.sign(in_y) * torch.floor(in_y.abs() + 0.5)
        out = _gather(flat, ry, rx, h, w, fill)
    else:
        x0, y0 = torch.floor(in_x), torch.floor(in_y)
        x1, y1 = x0 + 1, y0 + 1
        wx0, wx1 = (x1 - in_x).unsqueeze(1), (in_x - x0).unsqueeze(1)
        wy0, wy1 = (y1 - in_y).unsqueeze(1), (in_y - y0).unsqueeze(1)
        top = wx0 * _gather(flat, y0, x0, h, w, fill) + wx1 * _gather(flat, y0, x1, h, w, fill)
        bottom = wx0 * _gather(flat, y1, x0, h, w, fill) + wx1 * _gather(flat, y1, x1, h, w, fill)
        out = wy0 * top + wy1 * bottom
    out = torch.where((k == 0).unsqueeze(1), fill, out)
    return out.reshape(n, c, h, w).to(x.dtype) if x.is_floating_point() else out.reshape(n, c, h, w)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0,
                     data_format="channels_last"):
    """keras.ops.image.affine_transform (TensorFlow numerics) on a rank-3 or rank-4 torch tensor."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode not in FILL_MODES:
        raise ValueError("Invalid value for argument `fill_mode`. Expected of one "
                         f"{FILL_MODES}. Received: fill_mode={fill_mode}")
    if images.ndim not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                         f"Received input with shape: images.shape={tuple(images.shape)}")
    unbatched = images.ndim == 3
    x = images.unsqueeze(0) if unbatched else images
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    out = projective_transform_nchw(x, torch.as_tensor(transform), interpolation, fill_mode, fill_value)
    if data_format == "channels_last":
        out = out.permute(0, 2, 3, 1)
    return out.squeeze(0) if unbatched else out
