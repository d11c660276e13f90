"""RandomTranslation: shifts each image by a random fraction of its height and width (training only)."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing import _bounding_boxes as bbox
from torchkeras.layers.preprocessing.image_preprocessing._affine import affine_transform
from torchkeras.layers.preprocessing.image_preprocessing._factors import two_sided_factor
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.layers.preprocessing.image_preprocessing.random_rotation import (
    check_fill_and_interpolation,
)
from torchkeras.random import SeedGenerator

_FACTOR_ERROR = "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "


class RandomTranslation(BaseImagePreprocessingLayer):
    """Randomly translates images during training.

    Args:
        height_factor: a float or a pair (lower, upper) in [-1, 1]: the vertical shift is drawn in
            [lower * height, upper * height] (positive moves the image down).
        width_factor: the same for the horizontal shift (positive moves it right).
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = two_sided_factor(height_factor, "height_factor", _FACTOR_ERROR)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = two_sided_factor(width_factor, "width_factor", _FACTOR_ERROR)
        check_fill_and_interpolation(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        n = shape[0] if len(shape) == 4 else 1
        h_axis, w_axis = self._spatial_axes()
        seed = seed if seed is not None else self._get_seed_generator()
        dy = self.backend.random.uniform(minval=self.height_lower, maxval=self.height_upper, shape=[n, 1], seed=seed)
        dy = dy * shape[h_axis]
        dx = self.backend.random.uniform(minval=self.width_lower, maxval=self.width_upper, shape=[n, 1], seed=seed)
        dx = dx * shape[w_axis]
        return {"translations": torch.cat([dx, dy], dim=1).float(), "input_shape": shape}

    @staticmethod
    def _translation_matrix(translations):
        ones = torch.ones_like(translations[:, 0:1])
        zeros = torch.zeros_like(ones)
        return torch.cat([ones, zeros, -translations[:, 0:1], zeros, ones, -translations[:, 1:2], zeros, zeros], 1)

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        matrix = self._translation_matrix(transformation["translations"]).to(images.device)
        return affine_transform(images, matrix, interpolation=interpolation, fill_mode=self.fill_mode,
                                fill_value=self.fill_value, data_format=self.data_format)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        h_axis, w_axis = self._spatial_axes()
        h, w = transformation["input_shape"][h_axis], transformation["input_shape"][w_axis]
        bounding_boxes = bbox.convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                             height=h, width=w)
        t = transformation["translations"]
        b = bounding_boxes["boxes"]
        dx, dy = -t[:, 0:1], -t[:, 1:2]
        if b.ndim == 3:
            dx, dy = dx.unsqueeze(-1), dy.unsqueeze(-1)
        bounding_boxes["boxes"] = torch.cat([b[..., 0:1] - dx, b[..., 1:2] - dy, b[..., 2:3] - dx, b[..., 3:4] - dy],
                                            dim=-1)
        bounding_boxes = bbox.clip_to_image_size(bounding_boxes, height=h, width=w)
        return bbox.convert_format(bounding_boxes, source="xyxy", target=self.bounding_box_format, height=h, width=w)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                    "fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                    "fill_value": self.fill_value, "data_format": self.data_format})
        return cfg
