"""RandomSharpness: blends each image with a smoothed copy (sharpening or blurring) by a random amount."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color import depthwise_same
from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class RandomSharpness(ColorLayer):
    """Randomly adjusts sharpness during training: `x + (1 - 2f) * (smooth(x) - x)`, clipped.

    Args:
        factor: a float in [0, 1] or a pair: f is drawn in [lower, upper] (a single value f gives
            [0, f]); f = 0.5 leaves images unchanged, below blurs, above sharpens.
        value_range: the (min, max) of the input pixels (default (0, 255)).
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._init_color(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(self._images(data))
        seed = seed if seed is not None else self._get_seed_generator()
        return {"factor": self.backend.random.uniform((n,), minval=self.factor[0], maxval=self.factor[1], seed=seed)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        f = self._float(transformation["factor"] * 2).to(images.device).reshape(-1, 1, 1, 1)
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = torch.tensor([[a, a, a], [a, b, a], [a, a, a]], dtype=images.dtype, device=images.device)
        x = images if self.data_format == "channels_first" else images.permute(0, 3, 1, 2)
        smooth = depthwise_same(x, kernel)
        if self.data_format != "channels_first":
            smooth = smooth.permute(0, 2, 3, 1)
        out = images + (1.0 - f) * (smooth - images)
        return out.clamp(self.value_range[0], self.value_range[1])
