"""The sub-layers AugMix and RandAugment draw their operations from."""

from torchkeras.layers.preprocessing.image_preprocessing.auto_contrast import AutoContrast
from torchkeras.layers.preprocessing.image_preprocessing.equalization import Equalization
from torchkeras.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from torchkeras.layers.preprocessing.image_preprocessing.random_color_degeneration import (
    RandomColorDegeneration,
)
from torchkeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from torchkeras.layers.preprocessing.image_preprocessing.random_posterization import (
    RandomPosterization,
)
from torchkeras.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation
from torchkeras.layers.preprocessing.image_preprocessing.random_sharpness import RandomSharpness
from torchkeras.layers.preprocessing.image_preprocessing.random_shear import RandomShear
from torchkeras.layers.preprocessing.image_preprocessing.random_translation import RandomTranslation
from torchkeras.layers.preprocessing.image_preprocessing.solarization import Solarization

GEOMETRIC = ("random_shear", "random_translation", "random_rotation")
COLOR = ("random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness")


def make_augment_layers(owner, names, factor, value_range, interpolation, seed, data_format, kwargs):
    """Create the named sub-layers as attributes of `owner`, configured as Keras does."""
    common = {"seed": seed, "data_format": data_format, **kwargs}
    ranged = {"value_range": value_range, **common}
    makers = {
        "random_shear": lambda: RandomShear(x_factor=factor, y_factor=factor, interpolation=interpolation, **common),
        "random_translation": lambda: RandomTranslation(height_factor=factor, width_factor=factor,
                                                        interpolation=interpolation, **common),
        "random_rotation": lambda: RandomRotation(factor=factor, interpolation=interpolation, **common),
        "solarization": lambda: Solarization(addition_factor=factor, threshold_factor=factor, **ranged),
        "random_posterization": lambda: RandomPosterization(factor=max(1, int(8 * factor[1])), **ranged),
        "auto_contrast": lambda: AutoContrast(value_range=value_range, data_format=data_format, **kwargs),
        "equalization": lambda: Equalization(value_range=value_range, data_format=data_format, **kwargs),
        "random_brightness": lambda: RandomBrightness(factor=factor, **ranged),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor=factor, **ranged),
        "random_contrast": lambda: RandomContrast(factor=factor, **ranged),
        "random_sharpness": lambda: RandomSharpness(factor=factor, **ranged),
    }
    for name in names:
        setattr(owner, name, makers[name]())
