"""RandomGaussianBlur: blurs each image, with a random probability, by a Gaussian of random sigma."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color import gaussian_blur
from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class RandomGaussianBlur(ColorLayer):
    """Randomly blurs images during training.

    Args:
        factor: a float in [0, 1] or a pair: each image's blur probability is drawn in [lower, upper]
            (a single value f gives [0, f]).
        kernel_size: an odd int or a pair of odd ints.
        sigma: a float in [0, 1] or a pair: the (y, x) sigmas are drawn in [lower, upper] (one draw
            per batch).
        value_range: the (min, max) of the input pixels (default (0, 255)).
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _SORT_VALUE_RANGE = False

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = self._set_kernel_size(kernel_size, "kernel_size")
        self.sigma = self._set_factor_by_name(sigma, "sigma")
        self._init_color(factor, value_range, seed, set_factor=False)

    @staticmethod
    def _set_kernel_size(value, name):
        msg = f"{name} must be an odd number. Received: {name}={value}"
        if isinstance(value, (tuple, list)):
            if len(value) != 2:
                raise ValueError(f"The `{name}` argument should be a number (or a list of two numbers) "
                                 f"Received: {name}={value}")
            if value[0] % 2 == 0 or value[1] % 2 == 0:
                raise ValueError(msg)
            return value[0], value[1]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if value % 2 == 0:
                raise ValueError(msg)
            return value, value
        raise ValueError(msg)

    def _set_factor_by_name(self, value, name):
        lo_b, hi_b = self._FACTOR_BOUNDS
        msg = (f"The `{name}` argument should be a number (or a list of two numbers) in the range [{lo_b}, {hi_b}]. "
               f"Received: factor={value}")
        if isinstance(value, (tuple, list)):
            if len(value) != 2 or value[0] > hi_b or value[1] < lo_b:
                raise ValueError(msg)
            return tuple(sorted(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if value < lo_b or value > hi_b:
                raise ValueError(msg)
            return max(-abs(value), lo_b), abs(value)
        raise ValueError(msg)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        n = self._batch_size(self._images(data), "Expected the input image to be rank 3 or 4. Received ")
        seed = seed or self._get_seed_generator()
        p = self.backend.random.uniform(shape=(n,), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        threshold = self.backend.random.uniform(shape=(n,), minval=0.0, maxval=1.0, seed=seed)
        blur = self.backend.random.uniform(shape=(2,), minval=self.sigma[0], maxval=self.sigma[1], seed=seed,
                                           dtype=self.compute_dtype) + 1e-6
        return {"should_apply_blur": threshold < p, "blur_factor": blur}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        blurred = gaussian_blur(images, kernel_size=self.kernel_size, sigma=transformation["blur_factor"],
                                data_format=self.data_format)
        apply = transformation["should_apply_blur"].to(images.device).reshape(-1, 1, 1, 1)
        out = torch.where(apply, blurred, images)
        return out.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"kernel_size": self.kernel_size, "sigma": self.sigma})
        return cfg
