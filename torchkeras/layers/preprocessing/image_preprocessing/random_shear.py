"""RandomShear: shears each image along x and/or y by a random amount (training only)."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing import _bounding_boxes as bbox
from torchkeras.layers.preprocessing.image_preprocessing._affine import affine_transform
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.layers.preprocessing.image_preprocessing.random_rotation import (
    check_fill_and_interpolation,
)
from torchkeras.random import SeedGenerator

_FACTOR_ERROR = "The `factor` argument should be a number (or a list of two numbers) in the range [0, 1.0]. "


def _shear_factor(factor, name):
    def check(v):
        if v > 1.0 or v < 0.0:
            raise ValueError(_FACTOR_ERROR + f"Received: input_number={v}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check(factor)
        return -abs(factor), abs(factor)
    raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")


class RandomShear(BaseImagePreprocessingLayer):
    """Randomly shears images during training: output (x, y) reads input (x + sx*y, y + sy*x).

    Args:
        x_factor: a float in [0, 1] or a pair: |sx| is drawn in that range, the sign at random.
        y_factor: the same for sy.
        interpolation, fill_mode, fill_value, data_format, seed: as RandomRotation.
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = _shear_factor(x_factor, "x_factor")
        self.y_factor = _shear_factor(y_factor, "y_factor")
        check_fill_and_interpolation(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        n = 1 if len(shape) == 3 else shape[0]
        seed = seed if seed is not None else self._get_seed_generator()
        dt = self.compute_dtype
        invert = self.backend.random.uniform(minval=0, maxval=1, shape=[n, 1], seed=seed, dtype=dt)
        invert = torch.where(invert > 0.5, -torch.ones_like(invert), torch.ones_like(invert))
        sy = self.backend.random.uniform(minval=self.y_factor[0], maxval=self.y_factor[1], shape=[n, 1], seed=seed,
                                         dtype=dt)
        sx = self.backend.random.uniform(minval=self.x_factor[0], maxval=self.x_factor[1], shape=[n, 1], seed=seed,
                                         dtype=dt)
        return {"shear_factor": torch.cat([sx, sy], dim=1) * invert, "input_shape": shape}

    @staticmethod
    def _shear_matrix(f):
        ones, zeros = torch.ones_like(f[:, 0]), torch.zeros_like(f[:, 0])
        return torch.stack([ones, f[:, 0], zeros, f[:, 1], ones, zeros, zeros, zeros], dim=1)

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        matrix = self._shear_matrix(transformation["shear_factor"].float()).to(images.device)
        return affine_transform(images, matrix, interpolation=interpolation, fill_mode=self.fill_mode,
                                fill_value=self.fill_value, data_format=self.data_format)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        h_axis, w_axis = self._spatial_axes()
        h, w = transformation["input_shape"][h_axis], transformation["input_shape"][w_axis]
        bounding_boxes = bbox.convert_format(bounding_boxes, source=self.bounding_box_format, target="rel_xyxy",
                                             height=h, width=w)
        f = transformation["shear_factor"].float()
        b = bounding_boxes["boxes"]
        sx, sy = f[:, 0:1], f[:, 1:2]
        x1, y1, x2, y2 = b.unbind(-1)
        x1 = torch.where(sx < 0, x1 - sx * y1, x1 - sx * y2)
        x2 = torch.where(sx < 0, x2 - sx * y2, x2 - sx * y1)
        y1 = torch.where(sy > 0, y1 - sy * x2, y1 - sy * x1)
        y2 = torch.where(sy > 0, y2 - sy * x1, y2 - sy * x2)
        bounding_boxes["boxes"] = torch.stack([x1, y1, x2, y2], dim=-1)
        bounding_boxes = bbox.clip_to_image_size(bounding_boxes, bounding_box_format="rel_xyxy")
        return bbox.convert_format(bounding_boxes, source="rel_xyxy", target=self.bounding_box_format, height=h,
                                   width=w)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"x_factor": self.x_factor, "y_factor": self.y_factor, "fill_mode": self.fill_mode,
                    "interpolation": self.interpolation, "seed": self.seed, "fill_value": self.fill_value,
                    "data_format": self.data_format})
        return cfg
