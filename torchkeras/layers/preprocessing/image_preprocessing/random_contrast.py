"""RandomContrast: scales each image's deviation from its per-channel mean by a random factor."""

from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class RandomContrast(ColorLayer):
    """Randomly adjusts contrast during training: `(x - mean) * f + mean`, clipped to `value_range`.

    Args:
        factor: a float in [0, 1] or a pair (lower, upper): f is drawn in [1 - lower, 1 + upper]
            (a single value gives [1 - factor, 1 + factor]).
        value_range: the (min, max) of the input pixels (default (0, 255)).
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)
    _SORT_VALUE_RANGE = False

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._init_color(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = self._images(data)
        if images.ndim not in (3, 4):
            raise ValueError(f"Expected the input image to be rank 3 or 4. Received inputs.shape={tuple(images.shape)}")
        shape = (1, 1, 1) if images.ndim == 3 else (images.shape[0], 1, 1, 1)
        if not training:
            return {"contrast_factor": self.backend.numpy.zeros(shape)}
        seed = seed if seed is not None else self._get_seed_generator()
        factor = self.backend.random.uniform(shape=shape, minval=1.0 - self.factor[0], maxval=1.0 + self.factor[1],
                                             seed=seed, dtype=self.compute_dtype)
        return {"contrast_factor": factor}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        factor = transformation["contrast_factor"].to(images.device)
        h_axis, w_axis = self._spatial_axes()
        mean = images.mean(dim=h_axis, keepdim=True).mean(dim=w_axis, keepdim=True)
        out = (images - mean) * factor + mean
        return out.clamp(self.value_range[0], self.value_range[1])
