"""keras.ops.image geometric transforms: affine/perspective (TF's ImageProjectiveTransformV3 rules),
map_coordinates (scipy's, order 0 or 1) and elastic_transform."""

import itertools

import torch

from torchkeras.ops._common import op, tensor
from torchkeras.ops.conv import data_format_of

_INTERP = ("nearest", "bilinear")
_FILL = ("constant", "nearest", "wrap", "mirror", "reflect")


def _map_coord(c, n, mode):
    """TF's projective-transform coordinate folding for one axis (continuous coordinates)."""
    if mode == "constant":
        return c
    if mode == "nearest":
        return torch.clamp(c, 0, n - 1)
    if n <= 1:
        return torch.zeros_like(c)
    if mode == "wrap":
        # TF's rule, whose period is n on the left and steps by n per (n - 1) on the right.
        sz = n - 1
        c = torch.where(c < 0, c + n * (torch.trunc(-c / sz) + 1), torch.where(c > sz, c - n * torch.trunc(c / sz), c))
        return torch.clamp(c, 0, n - 1)
    if mode == "reflect":  # (d c b a | a b c d | d c b a): edge cells repeat
        period = 2 * n
        c = torch.remainder(c, period)
        c = torch.where(c >= n, period - c - 1, c)
        return torch.clamp(c, 0, n - 1)
    period = 2 * (n - 1)  # mirror: (d c b | a b c d | c b a)
    c = torch.remainder(c, period)
    c = torch.where(c > n - 1, period - c, c)
    return torch.clamp(c, 0, n - 1)


def _sample(images, ys, xs, interpolation, fill_mode, fill_value):
    """Sample (B, H, W, C) `images` at per-batch float coordinates ys, xs (B, H, W)."""
    b, h, w, c = images.shape
    ys, xs = _map_coord(ys, h, fill_mode), _map_coord(xs, w, fill_mode)
    flat = images.reshape(b, h * w, c)

    def read(yi, xi):
        inside = (yi >= 0) & (yi <= h - 1) & (xi >= 0) & (xi <= w - 1)
        idx = (yi.clamp(0, h - 1) * w + xi.clamp(0, w - 1)).to(torch.int64).reshape(b, -1, 1).expand(-1, -1, c)
        vals = torch.gather(flat, 1, idx).reshape(b, yi.shape[1], yi.shape[2], c)
        return torch.where(inside[..., None], vals, torch.full_like(vals, fill_value))
    if interpolation == "nearest":
        # std::round: halves away from zero.
        return read(torch.sign(ys) * torch.floor(torch.abs(ys) + 0.5), torch.sign(xs) * torch.floor(torch.abs(xs) + 0.5))
    y0, x0 = torch.floor(ys), torch.floor(xs)
    y1, x1 = y0 + 1, x0 + 1
    wy1, wx1 = (ys - y0)[..., None], (xs - x0)[..., None]
    top = (1 - wx1) * read(y0, x0) + wx1 * read(y0, x1)
    bottom = (1 - wx1) * read(y1, x0) + wx1 * read(y1, x1)
    return (1 - wy1) * top + wy1 * bottom


def _projective(images, transform, interpolation, fill_mode, fill_value, data_format):
    if interpolation not in _INTERP:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {_INTERP}. "
                         f"Received: interpolation={interpolation}")
    if fill_mode not in ("constant", "nearest", "wrap", "reflect"):
        raise ValueError("Invalid value for argument `fill_mode`. Expected of one "
                         f"{('constant', 'nearest', 'wrap', 'reflect')}. Received: fill_mode={fill_mode}")
    x = tensor(images)
    if x.dim() not in (3, 4):
        raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                         f"Received input with shape: images.shape={tuple(x.shape)}")
    fmt = data_format_of(data_format)
    unbatched = x.dim() == 3
    if unbatched:
        x = x.unsqueeze(0)
    if fmt == "channels_first":
        x = x.permute(0, 2, 3, 1)
    t = tensor(transform).to(torch.float32).to(x.device)
    if t.dim() == 1:
        t = t.unsqueeze(0)
    t = t.expand(x.shape[0], 8)
    h, w = x.shape[1], x.shape[2]
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float32, device=x.device),
                            torch.arange(w, dtype=torch.float32, device=x.device), indexing="ij")
    a = [t[:, i].reshape(-1, 1, 1) for i in range(8)]
    k = a[6] * xx + a[7] * yy + 1
    src_x = (a[0] * xx + a[1] * yy + a[2]) / k
    src_y = (a[3] * xx + a[4] * yy + a[5]) / k
    out = _sample(x.to(torch.float32) if not x.is_floating_point() else x, src_y.to(x.dtype if x.is_floating_point()
                  else torch.float32), src_x.to(x.dtype if x.is_floating_point() else torch.float32),
                  interpolation, fill_mode, float(fill_value)).to(x.dtype)
    if fmt == "channels_first":
        out = out.permute(0, 3, 1, 2)
    return out.squeeze(0) if unbatched else out


@op
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Output pixel (x, y) reads input ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1,
    for each 8-vector [a0, a1, a2, b0, b1, b2, c0, c1] of `transform`."""
    return _projective(images, transform, interpolation, fill_mode, fill_value, data_format)


def homography(start_points, end_points):
    """The 8-parameter transform that maps `end_points` onto `start_points` (batched (B, 4, 2))."""
    s, e = start_points, end_points
    rows, target = [], []
    zero, one = torch.zeros_like(e[:, 0, 0]), torch.ones_like(e[:, 0, 0])
    for i in range(4):
        ex, ey, sx, sy = e[:, i, 0], e[:, i, 1], s[:, i, 0], s[:, i, 1]
        rows.append(torch.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], -1))
        rows.append(torch.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], -1))
        target += [sx, sy]
    return torch.linalg.solve(torch.stack(rows, 1), torch.stack(target, -1).unsqueeze(-1)).reshape(-1, 8)


@op
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None):
    s = tensor(start_points).to(torch.float32)
    e = tensor(end_points).to(torch.float32)
    for name, p in (("start_points", s), ("end_points", e)):
        if p.dim() not in (2, 3) or tuple(p.shape[-2:]) != (4, 2):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or (N,4,2) for a batch. "
                             f"Received shape: {tuple(p.shape)}")
    if s.shape != e.shape:
        raise ValueError("start_points and end_points must have the same shape. Received start_points.shape="
                         f"{tuple(s.shape)}, end_points.shape={tuple(e.shape)}")
    s = s.unsqueeze(0) if s.dim() == 2 else s
    e = e.unsqueeze(0) if e.dim() == 2 else e
    return _projective(images, homography(s, e), interpolation, "constant", fill_value, data_format)


def _fold_index(index, size, mode):
    if mode == "constant":
        return index.clamp(0, size - 1), (index >= 0) & (index < size)
    ok = torch.ones_like(index, dtype=torch.bool)
    if mode == "nearest":
        return index.clamp(0, size - 1), ok
    if mode == "wrap":
        return torch.remainder(index, size), ok
    index = torch.abs(index)
    mod = torch.remainder(index, 2 * size)
    folded = torch.where(mod < size, mod, 2 * size - mod)
    if mode == "reflect":
        folded = torch.where(mod < size, folded, folded - 1)
    return folded, ok


@op
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Sample `inputs` at `coordinates` (one array per input axis) with order 0 or 1 interpolation."""
    x = tensor(inputs)
    coords = tensor(coordinates)
    if coords.shape[0] != x.dim():
        raise ValueError("First dim of `coordinates` must be the same as the rank of `inputs`. "
                         f"Received inputs with shape: {tuple(x.shape)} and coordinate leading dim of "
                         f"{coords.shape[0]}")
    if coords.dim() < 2:
        raise ValueError(f"Invalid coordinates rank: expected at least rank 2. Received input with shape: "
                         f"{tuple(coords.shape)}")
    if fill_mode not in _FILL:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of {set(_FILL)}. "
                         f"Received: fill_mode={fill_mode}")
    if order not in (0, 1):
        raise NotImplementedError("map_coordinates currently requires order<=1")
    wdt = coords.dtype if coords.is_floating_point() else torch.float32
    per_axis = []
    for c, n in zip(coords, x.shape):
        if order == 0:
            idx = (c if not c.is_floating_point() else torch.round(c)).to(torch.int64)
            nodes = [(idx, torch.ones((), dtype=wdt))]
        else:
            lo = torch.floor(c)
            hi_w = (c - lo).to(wdt)
            nodes = [(lo.to(torch.int64), 1 - hi_w), (lo.to(torch.int64) + 1, hi_w)]
        per_axis.append([(*_fold_index(i, n, fill_mode), wt) for i, wt in nodes])
    out = 0
    for combo in itertools.product(*per_axis):
        idx, ok, wts = zip(*combo)
        vals = x[tuple(idx)].to(wdt)
        if fill_mode == "constant":
            valid = torch.stack(ok).all(0)
            vals = torch.where(valid, vals, torch.tensor(fill_value, dtype=wdt, device=vals.device))
        weight = wts[0]
        for wt in wts[1:]:
            weight = weight * wt
        out = out + weight * vals
    if not x.is_floating_point():
        out = torch.round(out)
    return out.to(x.dtype)


@op
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                      fill_value=0.0, seed=None, data_format=None):
    """Displace every pixel by Gaussian-smoothed random fields scaled by `alpha` (as Keras)."""
    from torchkeras.ops.image import gaussian_blur
    from torchkeras.random import normal
    if interpolation not in _INTERP:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {_INTERP}. "
                         f"Received: interpolation={interpolation}")
    x = tensor(images)
    fmt = data_format_of(data_format)
    unbatched = x.dim() == 3
    if unbatched:
        x = x.unsqueeze(0)
    xl = x.permute(0, 2, 3, 1) if fmt == "channels_first" else x
    b, h, w, _ = xl.shape
    dt = xl.dtype if xl.is_floating_point() else torch.float32
    k = 6 * int(sigma) | 1
    fields = []
    for _ in range(2):
        noise = normal((b, h, w, 1), dtype=dt, seed=seed).to(x.device) * sigma
        fields.append(gaussian_blur(noise, (k, k), (sigma, sigma), data_format="channels_last")[..., 0])
        seed = seed + 1 if isinstance(seed, int) else seed
    yy, xx = torch.meshgrid(torch.arange(h, dtype=dt, device=x.device), torch.arange(w, dtype=dt, device=x.device),
                            indexing="ij")
    ys, xs = yy + alpha * fields[1], xx + alpha * fields[0]
    order = _INTERP.index(interpolation)
    out = torch.stack([torch.stack([map_coordinates(xl[i, ..., ch], torch.stack([ys[i], xs[i]]), order, fill_mode,
                                                    fill_value) for ch in range(xl.shape[-1])], -1)
                       for i in range(b)])
    if fmt == "channels_first":
        out = out.permute(0, 3, 1, 2)
    return out.squeeze(0) if unbatched else out
