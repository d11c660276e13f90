"""MaxNumBoundingBoxes: pads or truncates the boxes of each image to a fixed number."""

import torch
import torch.nn.functional as F

from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Keeps the first `max_number` boxes (and labels) of each image, padding with `fill_value`.

    Images, labels and segmentation masks pass through unchanged.

    Args:
        max_number: the number of boxes per image after the layer.
        fill_value: the value of padded boxes and labels (default -1).
    """

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        boxes, labels = torch.as_tensor(bounding_boxes["boxes"]), torch.as_tensor(bounding_boxes["labels"])
        pad = max(self.max_number - boxes.shape[1], 0)
        boxes = F.pad(boxes[:, : self.max_number], (0, 0, 0, pad), value=self.fill_value)
        labels = F.pad(labels[:, : self.max_number], (0, pad), value=self.fill_value)
        out = dict(bounding_boxes)
        out["boxes"], out["labels"] = boxes, labels
        return out

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            extra = set(input_shape["bounding_boxes"]) - {"boxes", "labels"}
            if extra:
                raise KeyError(f"There are unsupported keys in `bounding_boxes`: {list(extra)}. "
                               "Only `boxes` and `labels` are supported.")
            boxes = list(input_shape["bounding_boxes"]["boxes"])
            labels = list(input_shape["bounding_boxes"]["labels"])
            boxes[1] = labels[1] = self.max_number
            input_shape["bounding_boxes"]["boxes"], input_shape["bounding_boxes"]["labels"] = boxes, labels
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"max_number": self.max_number})
        return cfg
