"""RandomHue: rotates each image's HSV hue by a random amount."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color import hsv_to_rgb, rgb_to_hsv
from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class RandomHue(ColorLayer):
    """Randomly shifts the hue during training.

    Args:
        factor: a float in [0, 1] or a pair: the hue moves by +-f/2 of a full turn, f drawn in
            [lower, upper] and the sign at random.
        value_range: the (min, max) of the input pixels (default (0, 255)).
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)
    _SORT_VALUE_RANGE = False

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._init_color(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(self._images(data), "Expected the input image to be rank 3 or 4. Received ")
        seed = seed if seed is not None else self._get_seed_generator()
        invert = self.backend.random.uniform((n,), seed=seed)
        invert = torch.where(invert > 0.5, -torch.ones_like(invert), torch.ones_like(invert))
        f = self.backend.random.uniform((n,), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        return {"factor": invert * f * 0.5}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = self._transform_value_range(self._float(images), self.value_range, (0, 1))
        shift = transformation["factor"].to(device=images.device, dtype=images.dtype).reshape(-1, 1, 1)
        hsv = rgb_to_hsv(images, data_format=self.data_format)
        c = -3 if self.data_format == "channels_first" else -1
        h, s, v = hsv.unbind(c)
        h = h + shift
        h = torch.where(h > 1.0, h - 1.0, h)
        h = torch.where(h < 0.0, h + 1.0, h)
        out = hsv_to_rgb(torch.stack([h, s, v], dim=c), data_format=self.data_format).clamp(0, 1)
        return self._float(self._transform_value_range(out, (0, 1), self.value_range))
