"""keras.ops.image resize and scale_and_translate.

Resampling is separable: per spatial axis a dense (in, out) weight matrix from a kernel evaluated at
the half-pixel-centred sample positions, renormalised over in-bounds pixels (TF's ScaleAndTranslate,
which tf.image.resize uses for every kernel method). With antialias the kernel widens by the
downscale factor. "nearest" and "area" are exact index/box-overlap rules of their own.
"""

import math as _math

import torch

from torchkeras.ops._common import op, tensor


def _triangle(x):
    return torch.clamp(1 - x, min=0)


def _keys_cubic(x):
    # Keys' cubic convolution with a = -0.5 (TF and JAX; torch's bicubic uses a = -0.75).
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return torch.where(x >= 2.0, torch.zeros_like(x), torch.where(x >= 1.0, far, near))


def _lanczos(radius):
    def k(x):
        y = radius * torch.sin(_math.pi * x) * torch.sin(_math.pi * x / radius)
        out = torch.where(x > 1e-3, y / torch.where(x != 0, _math.pi ** 2 * x ** 2, torch.ones_like(x)),
                          torch.ones_like(x))
        return torch.where(x > radius, torch.zeros_like(x), out)
    return k


def _mitchell(x):
    # Mitchell-Netravali with B = C = 1/3.
    near = (7 * x ** 3 - 12 * x ** 2 + 16 / 3) / 6
    far = (-7 / 3 * x ** 3 + 12 * x ** 2 - 20 * x + 32 / 3) / 6
    return torch.where(x >= 2.0, torch.zeros_like(x), torch.where(x >= 1.0, far, near))


def _gaussian(x):
    sigma = 1.5
    return torch.where(x >= 3 * sigma, torch.zeros_like(x), torch.exp(-x * x / (2 * sigma * sigma)))


KERNELS = {"linear": _triangle, "cubic": _keys_cubic, "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0),
           "mitchellcubic": _mitchell, "gaussian": _gaussian}


def weight_matrix(in_size, out_size, scale, translation, kernel, antialias, dtype=torch.float32, device=None):
    inv = 1.0 / scale
    kernel_scale = max(inv, 1.0) if antialias else 1.0
    sample = (torch.arange(out_size, dtype=dtype, device=device) + 0.5) * inv - translation * inv - 0.5
    x = torch.abs(sample[None, :] - torch.arange(in_size, dtype=dtype, device=device)[:, None]) / kernel_scale
    w = kernel(x)
    total = torch.sum(w, dim=0, keepdim=True)
    w = torch.where(torch.abs(total) > 1000.0 * float(torch.finfo(torch.float32).eps),
                    w / torch.where(total != 0, total, torch.ones_like(total)), torch.zeros_like(w))
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return torch.where(inside[None, :], w, torch.zeros_like(w))


def _apply(x, axis, w):
    return torch.movedim(torch.tensordot(x, w, dims=([axis], [0])), -1, axis)


_METHOD_ALIASES = {"linear": "linear", "bilinear": "linear", "trilinear": "linear", "triangle": "linear",
                   "cubic": "cubic", "bicubic": "cubic", "tricubic": "cubic", "lanczos3": "lanczos3",
                   "lanczos5": "lanczos5"}


@op
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    if method not in _METHOD_ALIASES:
        raise ValueError(f"Invalid value for argument `method`. Expected of one {tuple(_METHOD_ALIASES)}. "
                         f"Received: method={method}")
    x = tensor(images)
    scale, translation = tensor(scale).tolist(), tensor(translation).tolist()
    is_int = not x.is_floating_point()
    out = x.to(torch.float32) if is_int else x
    for i, d in enumerate(spatial_dims):
        d = d % x.dim()
        w = weight_matrix(x.shape[d], int(output_shape[d]), float(scale[i]), float(translation[i]),
                          KERNELS[_METHOD_ALIASES[method]], antialias, dtype=torch.float32, device=x.device)
        out = _apply(out, d, w.to(out.dtype))
    if is_int:
        out = torch.clamp(torch.round(out), x.min().item(), x.max().item()).to(x.dtype)
    return out


def _nearest_index(in_size, out_size, device):
    scale = in_size / out_size
    idx = torch.floor((torch.arange(out_size, device=device, dtype=torch.float64) + 0.5) * scale)
    return torch.clamp(idx, max=in_size - 1).to(torch.int64)


def _bicubic_matrix(in_size, out_size, device):
    """TF's ResizeBicubic (half-pixel centres, no antialias): Keys cubic weights read from a
    1024-entry table, so the fractional offset is rounded to 1/1024; taps outside the image are
    dropped and the rest renormalised."""
    pos = (torch.arange(out_size, dtype=torch.float32, device=device) + 0.5) * (in_size / out_size) - 0.5
    base = torch.floor(pos)
    q = torch.round((pos - base) * 1024) / 1024
    w = torch.zeros((in_size, out_size), dtype=torch.float32, device=device)
    cols = torch.arange(out_size, device=device)
    taps = [(base - 1, 1 + q), (base, q), (base + 1, 1 - q), (base + 2, 2 - q)]
    weights = [_keys_cubic(d) for _, d in taps]
    inside = [(i >= 0) & (i <= in_size - 1) for i, _ in taps]
    total = sum(torch.where(ok, wt, torch.zeros_like(wt)) for ok, wt in zip(inside, weights))
    for (idx, _), wt, ok in zip(taps, weights, inside):
        wt = torch.where(ok, wt / total, torch.zeros_like(wt))
        w.index_put_((idx.clamp(0, in_size - 1).to(torch.int64), cols), wt, accumulate=True)
    return w


def _area_matrix(in_size, out_size, device):
    # Each output cell averages the input cells its box [i*s, (i+1)*s) overlaps, by overlap length.
    s = in_size / out_size
    lo = torch.arange(out_size, dtype=torch.float64, device=device) * s
    hi = lo + s
    cells = torch.arange(in_size, dtype=torch.float64, device=device)
    overlap = torch.clamp(torch.minimum(hi[None, :], cells[:, None] + 1) - torch.maximum(lo[None, :],
                                                                                           cells[:, None]), min=0)
    return (overlap / s).to(torch.float32)


_RESIZE = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def _aspect(images, size, crop, pad, fill_value):
    h, w = images.shape[-3], images.shape[-2]
    th, tw = size
    if crop:
        ch = max(min(h, int(w * th / tw)), 1)
        cw = max(min(w, int(h * tw / th)), 1)
        top, left = int((h - ch) / 2), int((w - cw) / 2)
        return images[..., top:top + ch, left:left + cw, :]
    ph, pw = max(h, int(w * th / tw)), max(w, int(h * tw / th))
    top, left = int((ph - h) / 2), int((pw - w) / 2)
    if top > 0:
        band = torch.full(images.shape[:-3] + (top, w, images.shape[-1]), fill_value, dtype=images.dtype,
                          device=images.device)
        images = torch.cat([band, images, band], dim=-3)
    if left > 0:
        band = torch.full(images.shape[:-2] + (left, images.shape[-1]), fill_value, dtype=images.dtype,
                          device=images.device)
        images = torch.cat([band, images, band], dim=-2)
    return images


@op
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    from torchkeras.ops.conv import data_format_of
    if interpolation not in _RESIZE:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{_RESIZE}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
                         f"Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    if len(size) != 2:
        raise ValueError(f"Argument `size` must be a tuple of two elements (height, width). Received: size={size}")
    x = tensor(images)
    if x.dim() not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                         f"Received input with shape: images.shape={tuple(x.shape)}")
    channels_first = data_format_of(data_format) == "channels_first"
    if channels_first:
        x = torch.movedim(x, -3, -1)
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        x = _aspect(x, tuple(int(s) for s in size), crop_to_aspect_ratio, pad_to_aspect_ratio, fill_value)
    out_h, out_w = int(size[0]), int(size[1])
    if interpolation == "nearest":
        out = x.index_select(-3, _nearest_index(x.shape[-3], out_h, x.device))
        out = out.index_select(-2, _nearest_index(x.shape[-2], out_w, x.device))
    else:
        out = x.to(torch.float32) if x.dtype != torch.float64 else x
        for axis, n in ((-3, out_h), (-2, out_w)):
            if interpolation == "area":
                w = _area_matrix(x.shape[axis], n, x.device)
            elif interpolation == "bicubic" and not antialias:
                w = _bicubic_matrix(x.shape[axis], n, x.device)
            else:
                kernel = KERNELS["linear" if interpolation == "bilinear" else
                                 "cubic" if interpolation == "bicubic" else interpolation]
                w = weight_matrix(x.shape[axis], n, n / x.shape[axis], 0.0, kernel, antialias, device=x.device)
            out = _apply(out, axis, w.to(out.dtype))
    if channels_first:
        out = torch.movedim(out, -1, -3)
    return out
