"""tf.image on torch, for NHWC / HWC images, with TF's output dtypes (resize returns float32 except
for nearest neighbour)."""

import torch
import torch.nn.functional as F

from torchkeras.porting.tf._core import as_dtype, convert, namespace_getattr
from torchkeras.porting.tf.random import _generator

__getattr__ = namespace_getattr("tf.image")

_METHODS = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic", "area": "area"}


class ResizeMethod:
    BILINEAR, NEAREST_NEIGHBOR, BICUBIC, AREA = "bilinear", "nearest", "bicubic", "area"
    LANCZOS3, LANCZOS5, GAUSSIAN, MITCHELLCUBIC = "lanczos3", "lanczos5", "gaussian", "mitchellcubic"


def _batched(image):
    x = convert(image)
    if x.dim() not in (3, 4):
        raise ValueError(f"'images' must have either 3 or 4 dimensions; received shape {tuple(x.shape)}.")
    return (x.unsqueeze(0), True) if x.dim() == 3 else (x, False)


def _unbatch(x, squeeze):
    return x[0] if squeeze else x


def resize(images, size, method="bilinear", preserve_aspect_ratio=False, antialias=False, name=None):
    x, single = _batched(images)
    h, w = (int(v) for v in (size.tolist() if isinstance(size, torch.Tensor) else size))
    if preserve_aspect_ratio:
        scale = min(h / x.shape[1], w / x.shape[2])
        h, w = int(round(x.shape[1] * scale)), int(round(x.shape[2] * scale))
    method = getattr(method, "value", method)
    if method not in _METHODS:
        raise ValueError(f"Resize method {method!r} is not emulated; use one of {sorted(_METHODS)}.")
    nc = x.movedim(-1, 1)
    if method == "nearest":
        out = F.interpolate(nc, size=(h, w), mode="nearest-exact")
        return _unbatch(out.movedim(1, -1), single)
    nc = nc.float() if not nc.is_floating_point() or nc.dtype != torch.float64 else nc
    kwargs = {"align_corners": False, "antialias": bool(antialias)} if method in ("bilinear", "bicubic") else {}
    out = F.interpolate(nc, size=(h, w), mode=_METHODS[method], **kwargs)
    return _unbatch(out.movedim(1, -1).float(), single)


def flip_left_right(image):
    return torch.flip(convert(image), dims=(-2,))


def flip_up_down(image):
    return torch.flip(convert(image), dims=(-3,))


def _random_flip(image, seed, dim):
    x, single = _batched(image)
    flip = torch.rand(x.shape[0], generator=_generator(seed)) < 0.5
    out = torch.where(flip.reshape(-1, 1, 1, 1), torch.flip(x, dims=(dim,)), x)
    return _unbatch(out, single)


def random_flip_left_right(image, seed=None):
    return _random_flip(image, seed, 2)


def random_flip_up_down(image, seed=None):
    return _random_flip(image, seed, 1)


def rot90(image, k=1, name=None):
    return torch.rot90(convert(image), int(k), dims=(-3, -2))


def transpose(image, name=None):
    return convert(image).transpose(-3, -2)


def central_crop(image, central_fraction):
    x = convert(image)
    if not 0 < central_fraction <= 1:
        raise ValueError("central_fraction must be within (0, 1]")
    h, w = x.shape[-3], x.shape[-2]
    top, left = int((h - h * central_fraction) / 2), int((w - w * central_fraction) / 2)
    return x[..., top:h - top, left:w - left, :]


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    x = convert(image)
    oh, ow, th, tw = int(offset_height), int(offset_width), int(target_height), int(target_width)
    if oh + th > x.shape[-3] or ow + tw > x.shape[-2] or min(oh, ow) < 0:
        raise ValueError("height must be >= target + offset." if oh + th > x.shape[-3]
                         else "width must be >= target + offset.")
    return x[..., oh:oh + th, ow:ow + tw, :]


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    x = convert(image)
    h, w = x.shape[-3], x.shape[-2]
    bottom, right = int(target_height) - int(offset_height) - h, int(target_width) - int(offset_width) - w
    if bottom < 0 or right < 0:
        raise ValueError("height must be <= target - offset" if bottom < 0 else "width must be <= target - offset")
    return F.pad(x, (0, 0, int(offset_width), right, int(offset_height), bottom))


def resize_with_crop_or_pad(image, target_height, target_width):
    x = convert(image)
    h, w = x.shape[-3], x.shape[-2]
    th, tw = int(target_height), int(target_width)
    x = crop_to_bounding_box(x, max((h - th) // 2, 0), max((w - tw) // 2, 0), min(h, th), min(w, tw))
    return pad_to_bounding_box(x, max((th - h) // 2, 0), max((tw - w) // 2, 0), th, tw)


def random_crop(value, size, seed=None, name=None):
    x = convert(value)
    size = [int(s) for s in (size.tolist() if isinstance(size, torch.Tensor) else size)]
    gen = _generator(seed)
    starts = [int(torch.randint(0, d - s + 1, (1,), generator=gen)) for d, s in zip(x.shape, size)]
    for dim, (b, s) in enumerate(zip(starts, size)):
        x = x.narrow(dim, b, s)
    return x


def convert_image_dtype(image, dtype, saturate=False, name=None):
    x = convert(image)
    target = as_dtype(dtype)
    if x.dtype == target.torch:
        return x
    src_float = x.is_floating_point()
    if src_float and target.is_floating:
        return x.to(target.torch)
    if not src_float and target.is_floating:
        return (x.to(target.torch) / torch.iinfo(x.dtype).max).to(target.torch)
    if src_float:  # float in [0, 1] -> integers: scale by max + 0.5 and truncate, as TF
        info = torch.iinfo(target.torch)
        scaled = x * (info.max + 0.5)
        if saturate:
            scaled = scaled.clamp(info.min, info.max)
        return scaled.to(target.torch)
    src, dst = torch.iinfo(x.dtype), torch.iinfo(target.torch)
    if src.max > dst.max:
        return torch.div(x, (src.max + 1) // (dst.max + 1), rounding_mode="floor").to(target.torch)
    return x.to(target.torch) * ((dst.max + 1) // (src.max + 1))


def rgb_to_grayscale(images, name=None):
    x, dtype = _as_float(convert(images))
    weights = torch.tensor([0.2989, 0.5870, 0.1140], dtype=x.dtype)
    return _restore(torch.sum(x * weights, dim=-1, keepdim=True), dtype)


def grayscale_to_rgb(images, name=None):
    x = convert(images)
    return x.expand(*x.shape[:-1], 3).clone()


def _as_float(x):
    return (x, None) if x.is_floating_point() else (convert_image_dtype(x, "float32"), x.dtype)


def _restore(y, dtype):
    return y if dtype is None else convert_image_dtype(y, dtype, saturate=True)


def adjust_brightness(image, delta):
    x, dtype = _as_float(convert(image))
    return _restore(x + delta, dtype)


def adjust_contrast(images, contrast_factor):
    x, dtype = _as_float(convert(images))
    mean = x.mean(dim=(-3, -2), keepdim=True)
    return _restore((x - mean) * contrast_factor + mean, dtype)


def random_brightness(image, max_delta, seed=None):
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = float(torch.rand((), generator=_generator(seed)) * 2 * max_delta - max_delta)
    return adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None):
    if upper <= lower or lower < 0:
        raise ValueError("upper must be > lower and lower must be non-negative.")
    factor = float(torch.rand((), generator=_generator(seed)) * (upper - lower) + lower)
    return adjust_contrast(image, factor)


def per_image_standardization(image):
    x = convert(image).float()
    n = x.shape[-1] * x.shape[-2] * x.shape[-3]
    mean = x.mean(dim=(-3, -2, -1), keepdim=True)
    std = x.std(dim=(-3, -2, -1), keepdim=True, correction=0)
    return (x - mean) / torch.clamp(std, min=1.0 / n ** 0.5)
