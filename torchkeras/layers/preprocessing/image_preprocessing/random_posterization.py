"""RandomPosterization: keeps only the top `bits` bits of each 8-bit pixel value."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class RandomPosterization(ColorLayer):
    """Randomly posterizes images during training.

    Args:
        factor: an int in [1, 8] or a pair: the number of bits kept is drawn in [lower, upper)
            (a single value f gives [1, f)); equal bounds keep exactly that many bits.
        value_range: the (min, max) of the input pixels (default (0, 255)).
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._init_color(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = self._batch_size(self._images(data))
        seed = seed if seed is not None else self._get_seed_generator()
        if self.factor[0] != self.factor[1]:
            bits = self.backend.random.randint((n,), minval=self.factor[0], maxval=self.factor[1], seed=seed,
                                               dtype="uint8")
        else:
            bits = torch.ones((n,), dtype=torch.uint8) * int(self.factor[0])
        return {"shift_factor": self._MAX_FACTOR - bits}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        shift = transformation["shift_factor"].to(images.device).reshape(-1, 1, 1, 1)
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=self.compute_dtype)
        pixels = images.to(torch.uint8)
        pixels = torch.bitwise_left_shift(torch.bitwise_right_shift(pixels, shift), shift)
        images = self._float(pixels)
        return self._transform_value_range(images, (0, 255), self.value_range, dtype=self.compute_dtype)
