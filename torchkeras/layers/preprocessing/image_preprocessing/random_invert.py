"""RandomInvert: replaces images by `value_range[1] - x` with a random probability."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class RandomInvert(ColorLayer):
    """Randomly inverts images during training.

    Args:
        factor: a float in [0, 1] or a pair: the inversion probability is drawn in [lower, upper]
            (a single value f gives [0, f]; the default 1.0 gives an average probability of 1/2).
        value_range: the (min, max) of the input pixels (default (0, 255)).
        seed: integer seed.
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _SORT_VALUE_RANGE = False

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._init_color(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        n = self._batch_size(self._images(data), "Expected the input image to be rank 3 or 4. Received ")
        seed = seed or self._get_seed_generator()
        p = self.backend.random.uniform(shape=(n,), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        threshold = self.backend.random.uniform(shape=(n,), minval=0, maxval=1, seed=seed)
        return {"apply_inversion": threshold < p}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._float(images)
        apply = transformation["apply_inversion"].to(images.device).reshape(-1, 1, 1, 1)
        return torch.where(apply, self.value_range[1] - images, images)
