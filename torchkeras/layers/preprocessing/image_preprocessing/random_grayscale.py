"""RandomGrayscale: turns each image to grayscale (kept with its channel count) with probability `factor`."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color import rgb_to_grayscale
from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer
from torchkeras.random import SeedGenerator


class RandomGrayscale(ColorLayer):
    """Randomly converts images to grayscale during training.

    Args:
        factor: the probability in [0, 1] of converting an image (default 0.5).
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed.

    A converted RGB image keeps its 3 channels, each holding the gray value.
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        images = self._images(images)
        seed = seed if seed is not None else self._get_seed_generator()
        n = images.shape[0] if images.ndim == 4 else 1
        values = self.backend.random.uniform(shape=(n,), minval=0, maxval=1, seed=seed)
        return (values < self.factor).reshape(-1, 1, 1, 1)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        apply = transformation if transformation is not None else self.get_random_transformation(images)
        gray = rgb_to_grayscale(images, data_format=self.data_format)
        return torch.where(apply.to(images.device), gray, images)

    def get_config(self):
        cfg = super(ColorLayer, self).get_config()
        cfg.update({"factor": self.factor})
        return cfg
