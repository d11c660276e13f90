"""RandomElasticTransform: displaces pixels by a smoothed random field (Simard et al. elastic distortion)."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color import gaussian_blur
from torchkeras.layers.preprocessing.image_preprocessing._factors import bounded_factor
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.random import SeedGenerator

_FILL_MODES = {"constant", "nearest", "wrap", "mirror", "reflect"}


def _fold(idx, size, fill_mode):
    """Keras's map_coordinates index handling: (index in range, valid mask)."""
    if fill_mode == "constant":
        return idx.clamp(0, size - 1), (idx >= 0) & (idx < size)
    if fill_mode == "nearest":
        out = idx.clamp(0, size - 1)
    elif fill_mode == "wrap":
        out = torch.remainder(idx, size)
    else:
        mod = torch.remainder(idx.abs(), 2 * size)
        out = torch.where(mod < size, mod, 2 * size - mod)
        if fill_mode == "reflect":
            out = torch.where(mod < size, out, out - 1)
        out = out.clamp(0, size - 1)
    return out, torch.ones_like(idx, dtype=torch.bool)


def map_coordinates_2d(images, ys, xs, order, fill_mode, fill_value):
    """Sample (N, C, H, W) images at float coordinates (N, H, W); order 0 rounds half to even."""
    n, c, h, w = images.shape
    if order == 0:
        taps_y = [(torch.round(ys).long(), torch.ones_like(ys))]
        taps_x = [(torch.round(xs).long(), torch.ones_like(xs))]
    else:
        y0, x0 = torch.floor(ys), torch.floor(xs)
        taps_y = [(y0.long(), 1 - (ys - y0)), (y0.long() + 1, ys - y0)]
        taps_x = [(x0.long(), 1 - (xs - x0)), (x0.long() + 1, xs - x0)]
    flat = images.reshape(n, c, h * w)
    out = torch.zeros_like(images)
    for yi, wy in taps_y:
        yi, vy = _fold(yi, h, fill_mode)
        for xi, wx in taps_x:
            xi, vx = _fold(xi, w, fill_mode)
            idx = (yi * w + xi).reshape(n, 1, h * w).expand(n, c, h * w)
            vals = torch.gather(flat, 2, idx).reshape(n, c, h, w)
            if fill_mode == "constant":
                vals = torch.where((vy & vx).unsqueeze(1), vals, torch.full_like(vals, float(fill_value)))
            out = out + (wy * wx).unsqueeze(1) * vals
    return out


class RandomElasticTransform(BaseImagePreprocessingLayer):
    """Randomly applies an elastic distortion during training.

    Args:
        factor: a float in [0, 1] or a pair: each image's probability of being distorted.
        scale: a float in [0, 1] or a pair: the distortion strength (alpha = 0.1 * s * max(H, W),
            sigma = 0.05 * s * min(H, W)).
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "mirror", "wrap", "constant" or "nearest".
        fill_value: value outside the image with fill_mode="constant".
        value_range: the (min, max) of the input pixels (outputs are clipped to it).
        seed: integer seed.
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = bounded_factor(scale, "scale")
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = value_range
        self.seed = seed
        self.generator = SeedGenerator(seed)
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one "
                                      "('nearest', 'bilinear').")
        if fill_mode not in _FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {_FILL_MODES}.")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = 1 if images.ndim == 3 else images.shape[0]
        h_axis, w_axis = self._spatial_axes()
        seed = seed or self._get_seed_generator()
        p = self.backend.random.uniform(shape=(n,), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        threshold = self.backend.random.uniform(shape=(n,), minval=0.0, maxval=1.0, seed=seed)
        strength = self.backend.random.uniform(shape=(), minval=self.scale[0], maxval=self.scale[1], seed=seed,
                                               dtype=self.compute_dtype)
        return {"apply_transform": threshold < p, "distortion_factor": strength, "seed": seed}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        unbatched = images.ndim == 3
        batch = images.unsqueeze(0) if unbatched else images
        x = batch if self.data_format == "channels_first" else batch.permute(0, 3, 1, 2)
        n, _, h, w = x.shape
        f = float(transformation["distortion_factor"])
        alpha, sigma = max(h, w) * 0.1 * f, min(h, w) * 0.05 * f
        k = 6 * int(sigma) | 1
        # As Keras (TensorFlow): the field is drawn here from the transformation's seed, and dx and
        # dy come from the same draw, so both displacements are equal.
        noise = self.backend.random.normal((n, h, w), seed=transformation["seed"]).to(x.device, x.dtype) * sigma
        field = gaussian_blur(noise.unsqueeze(1), (k, k), (sigma, sigma), data_format="channels_first").squeeze(1)
        ys, xs = torch.meshgrid(torch.arange(h, dtype=x.dtype, device=x.device),
                                torch.arange(w, dtype=x.dtype, device=x.device), indexing="ij")
        order = 0 if interpolation == "nearest" else 1
        out = map_coordinates_2d(x, ys + alpha * field, xs + alpha * field, order, self.fill_mode, self.fill_value)
        if self.data_format != "channels_first":
            out = out.permute(0, 2, 3, 1)
        apply = torch.as_tensor(transformation["apply_transform"]).to(images.device).reshape(-1, 1, 1, 1)
        out = torch.where(apply, out, batch).clamp(self.value_range[0], self.value_range[1])
        return self._float(out.squeeze(0) if unbatched else out)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"factor": self.factor, "scale": self.scale, "interpolation": self.interpolation,
                    "fill_mode": self.fill_mode, "fill_value": self.fill_value, "value_range": self.value_range,
                    "seed": self.seed})
        return cfg
