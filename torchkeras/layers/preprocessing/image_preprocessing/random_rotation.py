"""RandomRotation: rotates each image by a random angle in `factor * 2pi` about its centre (training)."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing import _bounding_boxes as bbox
from torchkeras.layers.preprocessing.image_preprocessing._affine import affine_transform
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.random import SeedGenerator

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def check_fill_and_interpolation(fill_mode, interpolation):
    # Keras raises NotImplementedError for these two (not ValueError); kept for parity.
    if fill_mode not in FILL_MODES:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {FILL_MODES}.")
    if interpolation not in INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one {INTERPOLATIONS}.")


def batch_and_size(shape, data_format):
    batch = shape[0] if len(shape) == 4 else 1
    spatial = shape[-2:] if data_format == "channels_first" else shape[-3:-1]
    return batch, spatial[0], spatial[1]


class RandomRotation(BaseImagePreprocessingLayer):
    """Randomly rotates images during training.

    Args:
        factor: a float or a pair (lower, upper), fractions of a full turn: factor=0.2 rotates by
            an angle drawn in [-72, 72] degrees; (x, x) always rotates by 360 * x degrees.
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest": how points outside the
            input are filled.
        interpolation: "bilinear" (default) or "nearest".
        seed: integer seed.
        fill_value: the value used outside the image with fill_mode="constant".
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        check_fill_and_interpolation(fill_mode, interpolation)

    def _transform_images(self, images, transformation, interpolation):
        return affine_transform(images, transformation["rotation_matrix"].to(images.device),
                                interpolation=interpolation, fill_mode=self.fill_mode, fill_value=self.fill_value,
                                data_format=self.data_format)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        h, w, n = transformation["image_height"], transformation["image_width"], transformation["batch_size"]
        zeros, ones = torch.zeros(n), torch.ones(n)
        bounding_boxes = bbox.convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                             height=h, width=w)
        bounding_boxes["boxes"] = bbox.affine_transform(bounding_boxes["boxes"], transformation["angle"], zeros, zeros,
                                                        ones, zeros, zeros, h, w)
        bounding_boxes = bbox.clip_to_image_size(bounding_boxes, height=h, width=w)
        return bbox.convert_format(bounding_boxes, source="xyxy", target=self.bounding_box_format, height=h, width=w)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n, h, w = batch_and_size(tuple(images.shape), self.data_format)
        seed = seed if seed is not None else self._get_seed_generator()
        angle = self.backend.random.uniform(shape=(n,), minval=self.factor[0] * 360.0, maxval=self.factor[1] * 360.0,
                                            seed=seed)
        zeros, ones = torch.zeros(n), torch.ones(n)
        matrix = self._compute_affine_matrix(0.5, 0.5, angle, zeros, zeros, ones, zeros, zeros, h, w)
        if images.ndim == 3:
            matrix = matrix.squeeze(0)
        return {"angle": angle, "rotation_matrix": matrix, "image_height": h, "image_width": w, "batch_size": n}

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"factor": self.factor, "data_format": self.data_format, "fill_mode": self.fill_mode,
                    "fill_value": self.fill_value, "interpolation": self.interpolation, "seed": self.seed})
        return cfg
