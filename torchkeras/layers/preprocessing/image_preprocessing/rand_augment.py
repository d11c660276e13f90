"""RandAugment: applies `num_ops` operations drawn at random from a fixed list (Cubuk et al., 2019)."""

from torchkeras.layers.preprocessing.image_preprocessing._composite import make_augment_layers
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.random import SeedGenerator


class RandAugment(BaseImagePreprocessingLayer):
    """RandAugment during training: each of `num_ops` steps applies one operation to the whole batch.

    Operations: shear, translation, rotation, brightness, colour degeneration, contrast,
    sharpness, posterization, solarization, auto-contrast, equalization.

    Args:
        value_range: the (min, max) of the input pixels (default (0, 255)).
        num_ops: number of operations applied (default 2).
        factor: a float in [0, 1] or a pair: the operations' strength (default 0.5).
        interpolation: "bilinear" (default) or "nearest" for the geometric operations.
        seed: integer seed.
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation", "random_brightness",
                       "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
                       "solarization", "auto_contrast", "equalization"]

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self.seed = seed
        self.generator = SeedGenerator(seed)
        make_augment_layers(self, self._AUGMENT_LAYERS, self.factor, value_range, interpolation, seed, data_format,
                            kwargs)

    def build(self, input_shape):
        for name in self._AUGMENT_LAYERS:
            getattr(self, name).build(input_shape)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        idxes = self.backend.random.randint((self.num_ops,), 0, len(self._AUGMENT_LAYERS),
                                            seed=self._get_seed_generator())
        transforms = {name: getattr(self, name).get_random_transformation(data, training=training,
                                                                          seed=self._get_seed_generator())
                      for name in self._AUGMENT_LAYERS}
        return {"transforms": transforms, "layer_idxes": idxes}

    def _chosen(self, transformation):
        names = list(transformation["transforms"])
        return [names[int(i)] for i in transformation["layer_idxes"][: self.num_ops]]

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if training:
            for name in self._chosen(transformation):
                images = self._float(getattr(self, name).transform_images(images, transformation["transforms"][name]))
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if training:
            for name in self._chosen(transformation):
                bounding_boxes = getattr(self, name).transform_bounding_boxes(dict(bounding_boxes),
                                                                              transformation["transforms"][name])
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if training:
            for name in self._chosen(transformation):
                layer = getattr(self, name)
                segmentation_masks = layer.transform_segmentation_masks(segmentation_masks,
                                                                        transformation["transforms"][name])
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"value_range": self.value_range, "num_ops": self.num_ops, "factor": self.factor,
                    "interpolation": self.interpolation, "seed": self.seed})
        return cfg
