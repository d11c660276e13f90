"""RandomBrightness: adds a random offset (a fraction of the value range) to each image."""

from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class RandomBrightness(ColorLayer):
    """Randomly adjusts brightness during training: `x + delta`, clipped to `value_range`.

    Args:
        factor: a float in [-1, 1] or a pair (lower, upper): delta is drawn in
            [lower, upper] * (value_range[1] - value_range[0]) (a single value f gives [-f, f]).
        value_range: the (min, max) of the input pixels (default (0, 255)).
        seed: integer seed.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self._init_color(factor, value_range, seed, set_factor=False)

    def get_random_transformation(self, data, training=True, seed=None):
        images = self._images(data)
        if images.ndim not in (3, 4):
            raise ValueError(f"Expected the input image to be rank 3 or 4. Received inputs.shape={tuple(images.shape)}")
        shape = (1, 1, 1) if images.ndim == 3 else (images.shape[0], 1, 1, 1)
        if not training:
            return {"rgb_delta": self.backend.numpy.zeros(shape)}
        seed = seed if seed is not None else self._get_seed_generator()
        delta = self.backend.random.uniform(minval=self.factor[0], maxval=self.factor[1], shape=shape, seed=seed)
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        # As Keras: the delta takes the images' dtype (integer images get a truncated delta).
        delta = transformation["rgb_delta"].to(device=images.device, dtype=images.dtype)
        return (images + delta).clamp(self.value_range[0], self.value_range[1])
