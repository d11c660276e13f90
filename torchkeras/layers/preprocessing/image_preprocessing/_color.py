"""Colour-space and filtering ops of the image layers, with TensorFlow's numerics.

rgb_to_hsv / hsv_to_rgb follow tf.image's kernels (hue in [0, 1)); grayscale uses Keras's weights
(0.2989, 0.5870, 0.1140); the Gaussian blur is TF's depthwise "SAME" convolution (zero padding).
"""

import torch
import torch.nn.functional as F


def _channels_last(images, data_format):
    if data_format == "channels_first":
        return images.movedim(-3, -1)
    return images


def _restore(images, data_format):
    if data_format == "channels_first":
        return images.movedim(-1, -3)
    return images


def rgb_to_hsv(images, data_format="channels_last"):
    x = _channels_last(images, data_format)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    v = torch.maximum(torch.maximum(r, g), b)
    rng = v - torch.minimum(torch.minimum(r, g), b)
    s = torch.where(v > 0, rng / torch.where(v > 0, v, torch.ones_like(v)), torch.zeros_like(v))
    norm = (1.0 / rng) * (1.0 / 6.0)
    h = torch.where(r == v, norm * (g - b), torch.where(g == v, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0))
    h = torch.where(rng > 0, h, torch.zeros_like(h))
    h = torch.where(h < 0, h + 1.0, h)
    return _restore(torch.stack([h, s, v], dim=-1), data_format)


def hsv_to_rgb(images, data_format="channels_last"):
    x = _channels_last(images, data_format)
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    dh = h * 6.0
    dr = ((dh - 3.0).abs() - 1.0).clamp(0.0, 1.0)
    dg = (-(dh - 2.0).abs() + 2.0).clamp(0.0, 1.0)
    db = (-(dh - 4.0).abs() + 2.0).clamp(0.0, 1.0)
    out = torch.stack([((d - 1.0) * s + 1.0) * v for d in (dr, dg, db)], dim=-1)
    return _restore(out, data_format)


def rgb_to_grayscale(images, data_format="channels_last"):
    if images.ndim not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                         f"Received input with shape: images.shape={tuple(images.shape)}")
    axis = -1 if data_format == "channels_last" else -3
    if images.shape[axis] not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape: images.shape={tuple(images.shape)}")
    if images.shape[axis] == 1:
        return images
    dtype = images.dtype
    x = images if images.is_floating_point() else images.float()
    weights = torch.tensor([0.2989, 0.5870, 0.1140], dtype=x.dtype, device=x.device)
    gray = torch.tensordot(x.movedim(axis, -1), weights, dims=([-1], [0])).unsqueeze(axis)
    return gray.to(dtype)


def depthwise_same(images_nchw, kernel):
    """Per-channel 2-D correlation with TF's SAME padding (extra row/column at the bottom/right)."""
    kh, kw = kernel.shape
    c = images_nchw.shape[1]
    pad_h, pad_w = kh - 1, kw - 1
    x = F.pad(images_nchw, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
    weight = kernel.to(images_nchw.dtype).expand(c, 1, kh, kw)
    return F.conv2d(x, weight, groups=c)


def gaussian_kernel(kernel_size, sigma, dtype=torch.float32, device=None):
    """Keras's 2-D kernel: outer(k1d(kernel_size[1], sigma[1]), k1d(kernel_size[0], sigma[0]))."""
    def k1d(size, s):
        x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
        k = torch.exp(-0.5 * (x / s) ** 2)
        return k / k.sum()
    sigma = torch.as_tensor(sigma, dtype=dtype, device=device)
    ky = k1d(int(kernel_size[1]), sigma[1])
    kx = k1d(int(kernel_size[0]), sigma[0])
    return torch.outer(ky, kx).reshape(int(kernel_size[0]), int(kernel_size[1]))


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format="channels_last"):
    unbatched = images.ndim == 3
    x = images.unsqueeze(0) if unbatched else images
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    out = depthwise_same(x, gaussian_kernel(kernel_size, sigma, x.dtype, x.device))
    if data_format == "channels_last":
        out = out.permute(0, 2, 3, 1)
    return out.squeeze(0) if unbatched else out
