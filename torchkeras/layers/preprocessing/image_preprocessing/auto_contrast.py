"""AutoContrast: stretches each image channel so its minimum maps to 0 and its maximum to 255."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class AutoContrast(ColorLayer):
    """Per image and channel, maps [min, max] linearly onto the full value range (deterministic;
    applied in training and inference alike, as Keras). Constant channels are left unchanged.

    Args:
        value_range: the (min, max) of the input pixels (default (0, 255)).
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = self._check_value_range(value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = images
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=self.compute_dtype)
        images = self._float(images)
        # Keras reduces over axes (1, 2): the spatial axes of batched channels_last images.
        low = images.amin(dim=(1, 2), keepdim=True)
        high = images.amax(dim=(1, 2), keepdim=True)
        scale = 255.0 / (high - low)
        out = (images * scale + (-low * scale)).clamp(0.0, 255.0)
        out = self._transform_value_range(out, (0, 255), self.value_range, dtype=self.compute_dtype)
        return torch.where(torch.isnan(out), original.to(out.dtype), out)

    def get_config(self):
        cfg = super(ColorLayer, self).get_config()
        cfg.update({"value_range": self.value_range})
        return cfg
