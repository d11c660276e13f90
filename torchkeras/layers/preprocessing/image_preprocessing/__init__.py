"""Image preprocessing and augmentation layers (Keras 3.15's keras.layers image family)."""

from torchkeras.layers.preprocessing.image_preprocessing.aug_mix import AugMix
from torchkeras.layers.preprocessing.image_preprocessing.auto_contrast import AutoContrast
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.layers.preprocessing.image_preprocessing.center_crop import CenterCrop
from torchkeras.layers.preprocessing.image_preprocessing.clahe import (
    ContrastLimitedAdaptiveHistogramEqualization,
)
from torchkeras.layers.preprocessing.image_preprocessing.cut_mix import CutMix
from torchkeras.layers.preprocessing.image_preprocessing.equalization import Equalization
from torchkeras.layers.preprocessing.image_preprocessing.max_num_bounding_boxes import (
    MaxNumBoundingBoxes,
)
from torchkeras.layers.preprocessing.image_preprocessing.mix_up import MixUp
from torchkeras.layers.preprocessing.image_preprocessing.pipeline import Pipeline
from torchkeras.layers.preprocessing.image_preprocessing.rand_augment import RandAugment
from torchkeras.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from torchkeras.layers.preprocessing.image_preprocessing.random_color_degeneration import (
    RandomColorDegeneration,
)
from torchkeras.layers.preprocessing.image_preprocessing.random_color_jitter import (
    RandomColorJitter,
)
from torchkeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from torchkeras.layers.preprocessing.image_preprocessing.random_crop import RandomCrop
from torchkeras.layers.preprocessing.image_preprocessing.random_elastic_transform import (
    RandomElasticTransform,
)
from torchkeras.layers.preprocessing.image_preprocessing.random_erasing import RandomErasing
from torchkeras.layers.preprocessing.image_preprocessing.random_flip import RandomFlip
from torchkeras.layers.preprocessing.image_preprocessing.random_gaussian_blur import (
    RandomGaussianBlur,
)
from torchkeras.layers.preprocessing.image_preprocessing.random_grayscale import RandomGrayscale
from torchkeras.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from torchkeras.layers.preprocessing.image_preprocessing.random_invert import RandomInvert
from torchkeras.layers.preprocessing.image_preprocessing.random_perspective import RandomPerspective
from torchkeras.layers.preprocessing.image_preprocessing.random_posterization import (
    RandomPosterization,
)
from torchkeras.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation
from torchkeras.layers.preprocessing.image_preprocessing.random_saturation import RandomSaturation
from torchkeras.layers.preprocessing.image_preprocessing.random_sharpness import RandomSharpness
from torchkeras.layers.preprocessing.image_preprocessing.random_shear import RandomShear
from torchkeras.layers.preprocessing.image_preprocessing.random_translation import RandomTranslation
from torchkeras.layers.preprocessing.image_preprocessing.random_zoom import RandomZoom
from torchkeras.layers.preprocessing.image_preprocessing.rescaling import Rescaling
from torchkeras.layers.preprocessing.image_preprocessing.resizing import Resizing
from torchkeras.layers.preprocessing.image_preprocessing.solarization import Solarization

__all__ = [
    "AugMix", "AutoContrast", "CenterCrop", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix", "Equalization",
    "MaxNumBoundingBoxes", "MixUp", "Pipeline", "RandAugment", "RandomBrightness", "RandomColorDegeneration",
    "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomElasticTransform", "RandomErasing", "RandomFlip",
    "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization",
    "RandomRotation", "RandomSaturation", "RandomSharpness", "RandomShear", "RandomTranslation", "RandomZoom",
    "Rescaling", "Resizing", "Solarization",
]
