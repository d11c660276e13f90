"""RandomFlip: flips each image horizontally and/or vertically with probability 1/2 (training only)."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing import _bounding_boxes as bbox
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.random import SeedGenerator

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class RandomFlip(BaseImagePreprocessingLayer):
    """Randomly flips images during training.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (both flips, drawn together).
        seed: integer seed.
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = False

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.mode = mode

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        flips_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        seed = seed if seed is not None else self._get_seed_generator()
        flips = torch.as_tensor(self.backend.random.uniform(shape=flips_shape, seed=seed)) <= 0.5
        return {"flips": flips, "input_shape": shape}

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if training:
            return self._flip_inputs(images, transformation)
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def _flip_inputs(self, inputs, transformation):
        if transformation is None:
            return inputs
        flips = transformation["flips"].to(inputs.device)
        unbatched = inputs.ndim == 3
        x = inputs.unsqueeze(0) if unbatched else inputs
        h_axis, w_axis = self._spatial_axes()
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            x = torch.where(flips, torch.flip(x, dims=(w_axis,)), x)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            x = torch.where(flips, torch.flip(x, dims=(h_axis,)), x)
        return x.squeeze(0) if unbatched else x

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        # (N, 1, 1, 1) flips -> (N, 1, 1): one flag per image, broadcast over its boxes
        flips = transformation["flips"].squeeze(-1).to(bounding_boxes["boxes"].device)
        h_axis, w_axis = self._spatial_axes()
        in_h, in_w = transformation["input_shape"][h_axis], transformation["input_shape"][w_axis]
        bounding_boxes = bbox.convert_format(bounding_boxes, source=self.bounding_box_format, target="rel_xyxy",
                                             height=in_h, width=in_w)
        b = bounding_boxes["boxes"]
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            b = torch.where(flips, torch.stack([1 - b[..., 2], b[..., 1], 1 - b[..., 0], b[..., 3]], -1), b)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            b = torch.where(flips, torch.stack([b[..., 0], 1 - b[..., 3], b[..., 2], 1 - b[..., 1]], -1), b)
        bounding_boxes["boxes"] = b
        # Keras clips these relative boxes as if they were in pixels ("xyxy" against height/width).
        bounding_boxes = bbox.clip_to_image_size(bounding_boxes, height=in_h, width=in_w, bounding_box_format="xyxy")
        return bbox.convert_format(bounding_boxes, source="rel_xyxy", target=self.bounding_box_format,
                                   height=in_h, width=in_w)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"seed": self.seed, "mode": self.mode, "data_format": self.data_format})
        return cfg
