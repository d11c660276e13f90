"""Shared parts of the colour layers: a factor, a value range, a seed, identity labels/boxes/masks."""

from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.random import SeedGenerator


class ColorLayer(BaseImagePreprocessingLayer):
    """Base of the photometric layers: only the images change."""

    _SORT_VALUE_RANGE = True

    def _init_color(self, factor, value_range, seed, set_factor=True):
        if set_factor:
            self._set_factor(factor)
        self.value_range = self._check_value_range(value_range) if self._SORT_VALUE_RANGE else value_range
        self.seed = seed
        self.generator = SeedGenerator(seed)

    @staticmethod
    def _batch_size(images, message="Expected the input image to be rank 3 or 4. Received: "):
        shape = tuple(images.shape)
        if len(shape) == 3:
            return 1
        if len(shape) == 4:
            return shape[0]
        raise ValueError(message + f"inputs.shape={shape}")

    @staticmethod
    def _images(data):
        return data["images"] if isinstance(data, dict) else data

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return cfg
