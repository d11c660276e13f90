"""RandomColorDegeneration: blends each image towards its grayscale version by a random amount."""

from torchkeras.layers.preprocessing.image_preprocessing._color import rgb_to_grayscale
from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class RandomColorDegeneration(ColorLayer):
    """Randomly reduces colour during training: `x + f * (gray(x) - x)`, clipped to `value_range`.

    Args:
        factor: a float in [0, 1] or a pair: f is drawn in [lower, upper] (a single value f gives [0, f]).
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
        f = self.backend.random.uniform((n, 1, 1, 1), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        return {"factor": f}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = self._float(images)
        f = self._float(transformation["factor"]).to(images.device)
        gray = rgb_to_grayscale(images, data_format=self.data_format)
        return (images + f * (gray - images)).clamp(self.value_range[0], self.value_range[1])

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                             f"Received: input_shape={input_shape}")
        channels = input_shape[self._channel_axis()]
        if channels is not None and channels != 3:
            raise ValueError(f"Input images must have 3 channels, but received images with {channels} channels.")
        return input_shape
