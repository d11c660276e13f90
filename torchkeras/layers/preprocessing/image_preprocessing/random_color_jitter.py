"""RandomColorJitter: RandomBrightness, RandomContrast, RandomSaturation and RandomHue in sequence."""

from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer
from torchkeras.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from torchkeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from torchkeras.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from torchkeras.layers.preprocessing.image_preprocessing.random_saturation import RandomSaturation
from torchkeras.random import SeedGenerator


class RandomColorJitter(ColorLayer):
    """Randomly jitters brightness, contrast, saturation and hue during training.

    Args:
        value_range: the (min, max) of the input pixels (default (0, 255)).
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the `factor` of the
            matching layer; None (default) skips that adjustment.
        seed: integer seed (one stream for all four draws).
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self.seed = seed
        self.generator = SeedGenerator(seed)
        common = {"value_range": value_range, "seed": seed}
        self.random_brightness = None if brightness_factor is None else RandomBrightness(brightness_factor, **common)
        self.random_contrast = None if contrast_factor is None else RandomContrast(contrast_factor, **common)
        self.random_saturation = None if saturation_factor is None else RandomSaturation(saturation_factor, **common)
        self.random_hue = None if hue_factor is None else RandomHue(hue_factor, **common)

    def build(self, input_shape):
        for layer in self._steps():
            layer.build(input_shape)

    def _steps(self):
        return [la for la in (self.random_brightness, self.random_contrast, self.random_saturation, self.random_hue)
                if la is not None]

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._float(images)
        for layer in self._steps():
            t = layer.get_random_transformation(images, seed=self._get_seed_generator())
            if layer is self.random_contrast:
                t["contrast_factor"] = self._float(t["contrast_factor"])
            images = layer.transform_images(images, t)
        return self._float(images)

    def get_config(self):
        cfg = super(ColorLayer, self).get_config()
        cfg.update({"value_range": self.value_range, "brightness_factor": self.brightness_factor,
                    "contrast_factor": self.contrast_factor, "saturation_factor": self.saturation_factor,
                    "hue_factor": self.hue_factor, "seed": self.seed})
        return cfg
