"""RandomCrop: a random (height, width) window in training; at inference the image is returned as is."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing import _bounding_boxes as bbox
from torchkeras.layers.preprocessing.image_preprocessing._resize import _aspect_box, resize
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.layers.preprocessing.image_preprocessing.center_crop import crop_hw
from torchkeras.random import SeedGenerator


class RandomCrop(BaseImagePreprocessingLayer):
    """Randomly crops images to `(height, width)` during training.

    An image not larger than the target in both dimensions gets its largest centred crop of the
    target aspect ratio, resized to the target. Outside training the input comes back unchanged
    (as Keras 3.15).

    Args:
        height, width: output size.
        seed: integer seed of the crop positions.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(name=name, data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self.seed = seed if seed is not None else int(torch.randint(0, 10 ** 9, ()).item())
        self.generator = SeedGenerator(seed)
        self.height_axis, self.width_axis = self._spatial_axes()
        self.supports_masking = False

    def get_random_transformation(self, data, training=True, seed=None):
        seed = seed if seed is not None else self._get_seed_generator()
        shape = (data["images"] if isinstance(data, dict) else data).shape
        in_h, in_w = shape[self.height_axis], shape[self.width_axis]
        if training and in_h > self.height and in_w > self.width:
            h_start = int(self.backend.random.uniform((), 0, maxval=float(in_h - self.height + 1), seed=seed))
            w_start = int(self.backend.random.uniform((), 0, maxval=float(in_w - self.width + 1), seed=seed))
            return h_start, w_start
        _, _, top, left = _aspect_box(in_h, in_w, self.height, self.width, crop=True)
        return top, left

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._float(images)
        top, left = transformation
        images = crop_hw(images, top, left, self.height, self.width, self.data_format)
        if images.shape[self.height_axis] != self.height or images.shape[self.width_axis] != self.width:
            images = self._float(resize(images, (self.height, self.width), data_format=self.data_format))
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        h_start, w_start = (float(v) for v in transformation)
        boxes = bbox.convert_format(bounding_boxes["boxes"], source=self.bounding_box_format, target="xyxy",
                                    height=self.height, width=self.width)
        # Keras 3.15 shifts x by the row offset and y by the column offset; kept for parity.
        shift = torch.tensor([h_start, w_start, h_start, w_start], dtype=boxes.dtype, device=boxes.device)
        boxes = torch.clamp_min(boxes - shift, 0)
        boxes = bbox.convert_format(boxes, source="xyxy", target=self.bounding_box_format,
                                    height=self.height, width=self.width)
        return {"boxes": boxes, "labels": bounding_boxes["labels"]}

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation)

    def compute_output_shape(self, input_shape, *args, **kwargs):
        shape = list(input_shape)
        shape[self.height_axis], shape[self.width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height": self.height, "width": self.width, "seed": self.seed, "data_format": self.data_format})
        return cfg
