"""Solarization: inverts the pixels above a random threshold, after adding a random offset."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer
from torchkeras.random import SeedGenerator

_FACTOR_ERROR = ("The `addition_factor` and `threshold_factor` arguments should be a number (or a list of two "
                 "numbers) in the range [0, 1]. ")


def _zero_to_one_factor(factor, name):
    def check(v):
        if v > 1.0 or v < 0:
            raise ValueError(_FACTOR_ERROR + f"Received: input_number={v}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check(factor)
        return 0, factor
    raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")


class Solarization(ColorLayer):
    """Solarizes images: `y = clip(x + a, 0, 255)`, then `255 - y` where `y >= t` (in 0-255 units).

    Args:
        addition_factor: a float in [0, 1] or a pair: a is drawn in [lower, upper * 255]
            (a single value f gives [0, 255 f]).
        threshold_factor: the same for the threshold t.
        value_range: the (min, max) of the input pixels (default (0, 255)).
        seed: integer seed.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.addition_factor = _zero_to_one_factor(addition_factor, "addition_factor")
        self.threshold_factor = _zero_to_one_factor(threshold_factor, "threshold_factor")
        self.value_range = self._check_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images(data)
        shape = (images.shape[0], 1, 1, 1) if images.ndim == 4 else (1, 1, 1)
        seed = seed if seed is not None else self._get_seed_generator()
        add = self.backend.random.uniform(minval=self.addition_factor[0], maxval=self.addition_factor[1] * 255,
                                          shape=shape, seed=seed, dtype=self.compute_dtype)
        thr = self.backend.random.uniform(minval=self.threshold_factor[0], maxval=self.threshold_factor[1] * 255,
                                          shape=shape, seed=seed, dtype=self.compute_dtype)
        return {"additions": add, "thresholds": thr}

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=self.compute_dtype)
        out = (images + transformation["additions"].to(images.device)).clamp(0, 255)
        out = torch.where(out < transformation["thresholds"].to(images.device), out, 255 - out)
        return self._transform_value_range(out, (0, 255), self.value_range, dtype=self.compute_dtype)

    def get_config(self):
        cfg = super(ColorLayer, self).get_config()
        cfg.update({"value_range": self.value_range, "addition_factor": self.addition_factor,
                    "threshold_factor": self.threshold_factor, "seed": self.seed})
        return cfg
