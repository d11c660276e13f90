"""RandomErasing: replaces a random rectangle of each image by noise or a fill value (training only)."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._boxes_mask import box_masks, crop_bounds
from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer
from torchkeras.layers.preprocessing.image_preprocessing._factors import bounded_factor


class RandomErasing(ColorLayer):
    """Randomly erases a rectangle of each image during training.

    Args:
        factor: a float in [0, 1] or a pair: each image's erasing probability is drawn in [lower, upper].
        scale: a float in [0, 1] or a pair: each side of the box is sqrt(s) of the image side, s
            drawn in [lower, upper] (default (0.02, 0.33)).
        fill_value: None (default: Gaussian noise * value_range[1], clipped), a number, or 3 numbers.
        value_range: the (min, max) of the input pixels (default (0, 255)).
        seed: integer seed.
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _SORT_VALUE_RANGE = False

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = bounded_factor(scale, "scale", self._FACTOR_BOUNDS)
        self.fill_value = fill_value
        self._init_color(factor, value_range, seed, set_factor=False)

    def _get_fill_value(self, shape, seed):
        fill = self.fill_value
        msg = "The `fill_value` argument should be a number (or a list of three numbers) "
        if fill is None:
            fill = self.backend.random.normal(shape, dtype=self.compute_dtype, seed=seed) * self.value_range[1]
        elif isinstance(fill, (tuple, list)):
            if len(fill) != 3:
                raise ValueError(msg)
            fill = torch.tensor(fill, dtype=torch.float32).expand(shape).clone()
        elif isinstance(fill, (int, float)) and not isinstance(fill, bool):
            fill = torch.ones(shape) * fill
        else:
            raise ValueError(msg)
        return fill.clamp(self.value_range[0], self.value_range[1])

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images(data)
        shape = tuple(images.shape)
        n = self._batch_size(images, "Expected the input image to be rank 3 or 4. Received ")
        h_axis, w_axis = self._spatial_axes()
        seed = seed or self._get_seed_generator()
        weight = torch.sqrt(self.backend.random.uniform(shape=(n, 2), minval=self.scale[0], maxval=self.scale[1],
                                                        dtype=self.compute_dtype, seed=seed))
        x0, x1 = crop_bounds(self, n, shape[w_axis], weight[:, 0], seed)
        y0, y1 = crop_bounds(self, n, shape[h_axis], weight[:, 1], seed)
        masks, _ = box_masks(self, shape, (x0, x1, y0, y1))
        p = self.backend.random.uniform(shape=(n,), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        threshold = self.backend.random.uniform(shape=(n,), minval=0.0, maxval=1.0, seed=seed)
        return {"apply_erasing": threshold < p, "batch_masks": masks, "fill_value": self._get_fill_value(shape, seed)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        dev = images.device
        fill = torch.as_tensor(transformation["fill_value"], dtype=images.dtype, device=dev)
        erased = torch.where(transformation["batch_masks"].to(dev), fill,
                             images)
        apply = transformation["apply_erasing"].to(dev).reshape(-1, 1, 1, 1)
        return torch.where(apply, erased, images)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"scale": self.scale, "fill_value": self.fill_value})
        return cfg
