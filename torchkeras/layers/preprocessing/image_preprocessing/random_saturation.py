"""RandomSaturation: scales each image's HSV saturation by a random factor."""

import torch

from torchkeras import config
from torchkeras.layers.preprocessing.image_preprocessing._color import hsv_to_rgb, rgb_to_hsv
from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class RandomSaturation(ColorLayer):
    """Randomly adjusts saturation during training.

    Args:
        factor: a float in [0, 1] or a pair: f is drawn in [lower, upper] and the saturation is
            multiplied by f / (1 - f) (0.5 leaves images unchanged, 0 makes them gray, 1 fully saturated).
        value_range: the (min, max) of the input pixels (default (0, 255)).
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._init_color(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(self._images(data))
        seed = seed if seed is not None else self._get_seed_generator()
        f = self.backend.random.uniform((n,), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        return {"factor": f / (1 - f + config.epsilon())}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        f = self._float(transformation["factor"]).to(images.device).reshape(-1, 1, 1)
        hsv = rgb_to_hsv(self._float(images), data_format=self.data_format)
        c = -3 if self.data_format == "channels_first" else -1
        h, s, v = hsv.unbind(c)
        s = (s * f).clamp(self.value_range[0], self.value_range[1])
        return hsv_to_rgb(torch.stack([h, s, v], dim=c), data_format=self.data_format)
