"""keras.ops.image: colour conversions, crop/pad, patches, blur, edges, SSIM; resize and the geometric
transforms come from image_resize and image_geometry. Images are (batch,) H, W, C (channels_last) or
(batch,) C, H, W."""

import torch
import torch.nn.functional as F

from torchkeras.ops._common import op, promote, tensor
from torchkeras.ops.conv import conv, data_format_of, same_pads

__all__ = ["affine_transform", "crop_images", "elastic_transform", "extract_patches", "extract_patches_3d",
           "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images", "perspective_transform", "resize",
           "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate", "sobel_edges", "ssim"]


def _rank_check(x, name="images"):
    if x.dim() not in (3, 4):
        raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                         f"Received input with shape: {name}.shape={tuple(x.shape)}")


def _last(x, fmt):
    return torch.movedim(x, -3, -1) if fmt == "channels_first" else x


def _unlast(x, fmt):
    return torch.movedim(x, -1, -3) if fmt == "channels_first" else x


@op
def rgb_to_grayscale(images, data_format=None):
    x = tensor(images)
    _rank_check(x)
    fmt = data_format_of(data_format)
    axis = -1 if fmt == "channels_last" else -3
    if x.shape[axis] not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape: images.shape={tuple(x.shape)}")
    if x.shape[axis] == 1:
        return x.clone()
    xf = promote(x, 1.0)[0]
    w = torch.tensor([0.2989, 0.5870, 0.1140], dtype=xf.dtype, device=x.device)
    gray = torch.tensordot(torch.movedim(xf, axis, -1), w, dims=1).unsqueeze(axis)
    return gray.to(x.dtype)


def _float_images(images):
    x = tensor(images)
    _rank_check(x)
    if not x.is_floating_point():
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: images.dtype={x.dtype}")
    return x


@op
def rgb_to_hsv(images, data_format=None):
    x = _float_images(images)
    fmt = data_format_of(data_format)
    x = _last(x, fmt)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    value = torch.amax(x, dim=-1)
    spread = value - torch.amin(x, dim=-1)
    sat = torch.where(value > 0, spread / torch.where(value > 0, value, torch.ones_like(value)),
                      torch.zeros_like(value))
    safe = torch.where(spread > 0, spread, torch.ones_like(spread))
    hue = torch.where(r == value, (g - b) / safe, torch.where(g == value, 2 + (b - r) / safe, 4 + (r - g) / safe))
    hue = torch.where(spread > 0, torch.remainder(hue / 6.0, 1.0), torch.zeros_like(hue))
    return _unlast(torch.stack([hue, sat, value], dim=-1), fmt)


@op
def hsv_to_rgb(images, data_format=None):
    x = _float_images(images)
    fmt = data_format_of(data_format)
    x = _last(x, fmt)
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    c = s * v
    m = v - c
    dh = h * 6
    sector = torch.floor(dh)
    xx = c * (1 - torch.abs(torch.remainder(dh, 2) - 1))
    zero = torch.zeros_like(c)
    table = [(c, xx, zero), (xx, c, zero), (zero, c, xx), (zero, xx, c), (xx, zero, c), (c, zero, xx)]
    rgb = [zero, zero, zero]
    for k, parts in enumerate(table):
        hit = sector == k
        rgb = [torch.where(hit, p, acc) for p, acc in zip(parts, rgb)]
    return _unlast(torch.stack([ch + m for ch in rgb], dim=-1), fmt)


def _hw(x, fmt):
    return (x.shape[-3], x.shape[-2]) if fmt == "channels_last" else (x.shape[-2], x.shape[-1])


@op
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    x = tensor(images)
    _rank_check(x)
    fmt = data_format_of(data_format)
    if [top_padding, bottom_padding, target_height].count(None) != 1 or \
            [left_padding, right_padding, target_width].count(None) != 1:
        raise ValueError("Must specify exactly two of top_padding, bottom_padding, target_height and exactly "
                         "two of left_padding, right_padding, target_width. Received: "
                         f"top_padding={top_padding}, bottom_padding={bottom_padding}, target_height={target_height}, "
                         f"left_padding={left_padding}, right_padding={right_padding}, target_width={target_width}")
    h, w = _hw(x, fmt)
    top = target_height - bottom_padding - h if top_padding is None else top_padding
    bottom = target_height - top - h if bottom_padding is None else bottom_padding
    left = target_width - right_padding - w if left_padding is None else left_padding
    right = target_width - left - w if right_padding is None else right_padding
    for name, v in (("top_padding", top), ("bottom_padding", bottom), ("left_padding", left),
                    ("right_padding", right)):
        if v < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={v}")
    pads = [0, 0, left, right, top, bottom] if fmt == "channels_last" else [left, right, top, bottom]
    return F.pad(x, pads)


@op
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    x = tensor(images)
    _rank_check(x)
    fmt = data_format_of(data_format)
    if [top_cropping, bottom_cropping, target_height].count(None) != 1 or \
            [left_cropping, right_cropping, target_width].count(None) != 1:
        raise ValueError("Must specify exactly two of top_cropping, bottom_cropping, target_height and exactly "
                         "two of left_cropping, right_cropping, target_width. Received: "
                         f"top_cropping={top_cropping}, bottom_cropping={bottom_cropping}, "
                         f"target_height={target_height}, left_cropping={left_cropping}, "
                         f"right_cropping={right_cropping}, target_width={target_width}")
    h, w = _hw(x, fmt)
    top = h - target_height - bottom_cropping if top_cropping is None else top_cropping
    th = h - bottom_cropping - top if target_height is None else target_height
    left = w - target_width - right_cropping if left_cropping is None else left_cropping
    tw = w - right_cropping - left if target_width is None else target_width
    for name, v in (("top_cropping", top), ("target_height", th), ("left_cropping", left), ("target_width", tw)):
        if v < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={v}")
    if fmt == "channels_last":
        return x[..., top:top + th, left:left + tw, :]
    return x[..., top:top + th, left:left + tw]


def _patches(images, size, strides, dilation_rate, padding, data_format, rank):
    x = tensor(images)
    fmt = data_format_of(data_format)
    size = (size,) * rank if isinstance(size, int) else tuple(size)
    strides = size if not strides else strides
    unbatched = x.dim() == rank + 1
    if unbatched:
        x = x.unsqueeze(0)
    channels = x.shape[-1] if fmt == "channels_last" else x.shape[1]
    out_dim = channels
    for s in size:
        out_dim *= s
    # An identity kernel turns each window into one output pixel of window * channels values.
    kernel = torch.eye(out_dim, dtype=x.dtype if x.is_floating_point() else torch.float32,
                       device=x.device).reshape(size + (channels, out_dim))
    out = conv(x, kernel, strides=strides, padding=padding, data_format=fmt, dilation_rate=dilation_rate)
    return out.squeeze(0) if unbatched else out


@op
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    if not isinstance(size, int) and len(size) == 3:
        return _patches(images, size, strides, dilation_rate, padding, data_format, 3)
    if not isinstance(size, int) and len(size) != 2:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 2. Received: size={size}")
    return _patches(images, size, strides, dilation_rate, padding, data_format, 2)


@op
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    if not isinstance(size, int) and len(size) != 3:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 3. Received: size={size}")
    return _patches(volumes, size, strides, dilation_rate, padding, data_format, 3)


def _gauss1d(size, sigma, dtype, device):
    x = torch.arange(int(size), dtype=dtype, device=device) - (int(size) - 1) / 2
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    return k / torch.sum(k)


@op
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    x = tensor(images)
    _rank_check(x)
    fmt = data_format_of(data_format)
    unbatched = x.dim() == 3
    xc = _last(x.unsqueeze(0) if unbatched else x, fmt).movedim(-1, 1)
    ks = [int(k) for k in kernel_size]
    ky = _gauss1d(ks[1], float(sigma[1]), xc.dtype, xc.device)
    kx = _gauss1d(ks[0], float(sigma[0]), xc.dtype, xc.device)
    # Keras builds outer(ky, kx) and reshapes (not transposes) it to (kernel_size[0], kernel_size[1]).
    k2 = torch.outer(ky, kx).reshape(ks[0], ks[1])
    c = xc.shape[1]
    w = k2.expand(c, 1, ks[0], ks[1])
    xc = F.pad(xc, same_pads(xc.shape[2:], ks, (1, 1), (1, 1)))
    out = F.conv2d(xc, w, groups=c).movedim(1, -1)
    out = _unlast(out, fmt)
    return out.squeeze(0) if unbatched else out


@op
def sobel_edges(images, data_format=None):
    """(..., H, W, C, 2) vertical and horizontal Sobel responses (reflect-padded, as tf.image)."""
    x = tensor(images)
    fmt = data_format_of(data_format)
    xc = _last(x, fmt).movedim(-1, 1)
    dy = torch.tensor([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=xc.dtype, device=xc.device)
    c = xc.shape[1]
    w = torch.stack([dy, dy.T]).unsqueeze(1).repeat(c, 1, 1, 1)
    out = F.conv2d(F.pad(xc, (1, 1, 1, 1), mode="reflect"), w, groups=c)
    out = out.reshape(out.shape[0], c, 2, out.shape[-2], out.shape[-1]).permute(0, 3, 4, 1, 2)
    return out.permute(0, 3, 1, 2, 4) if fmt == "channels_first" else out


@op
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    a, b = promote(image1, image2, 1.0)[:2]
    orig = tensor(image1).dtype
    _rank_check(a, "image1")
    _rank_check(b, "image2")
    fmt = data_format_of(data_format)
    if a.dim() == 3:
        return ssim(a.unsqueeze(0), b.unsqueeze(0), max_val, filter_size, filter_sigma, k1, k2, fmt)[0]
    a, b = _last(a, fmt).movedim(-1, 1), _last(b, fmt).movedim(-1, 1)
    g = _gauss1d(filter_size, filter_sigma, a.dtype, a.device)
    w = torch.outer(g, g)[None, None]
    n, c, h, wd = a.shape
    a, b = a.reshape(n * c, 1, h, wd), b.reshape(n * c, 1, h, wd)

    def blur(t):
        return F.conv2d(t, w)
    mu1, mu2 = blur(a), blur(b)
    s11, s22, s12 = blur(a * a) - mu1 * mu1, blur(b * b) - mu2 * mu2, blur(a * b) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    ssim_map = (2 * mu1 * mu2 + c1) * (2 * s12 + c2) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2))
    per_channel = torch.mean(ssim_map, dim=(1, 2, 3)).reshape(n, c)
    return torch.mean(per_channel, dim=-1).to(orig if orig.is_floating_point else per_channel.dtype)


from torchkeras.ops.image_geometry import (  # noqa: E402
    affine_transform,
    elastic_transform,
    map_coordinates,
    perspective_transform,
)
from torchkeras.ops.image_resize import resize, scale_and_translate  # noqa: E402
