"""Resizing: resize images to (height, width) with TensorFlow's `tf.image.resize` numerics."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing import _bounding_boxes as bbox
from torchkeras.layers.preprocessing.image_preprocessing._helpers import saturate_cast
from torchkeras.layers.preprocessing.image_preprocessing._resize import resize
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to `(height, width)`.

    Args:
        height, width: output size.
        interpolation: "bilinear", "nearest", "bicubic", "area", "lanczos3" or "lanczos5".
        crop_to_aspect_ratio: crop the largest centred window of the target aspect ratio first.
        pad_to_aspect_ratio: pad (with `fill_value`) to the target aspect ratio first.
        fill_mode: only "constant".
        fill_value: the padding value for `pad_to_aspect_ratio`.
        antialias: use an antialiasing filter when downsampling.
        data_format: "channels_last" (default) or "channels_first".

    Integer images come back rounded in their own dtype; float images in the compute dtype.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.height_axis, self.width_axis = self._spatial_axes()

    def _transform_images(self, images, transformation, interpolation):
        out = resize(images, (self.height, self.width), interpolation=interpolation, antialias=self.antialias,
                     crop_to_aspect_ratio=self.crop_to_aspect_ratio, pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                     fill_mode=self.fill_mode, fill_value=self.fill_value, data_format=self.data_format)
        if out.dtype == images.dtype:
            return out
        if not images.is_floating_point():
            out = torch.round(out)
        return saturate_cast(out, images.dtype)

    def transform_images(self, images, transformation=None, training=True):
        return self._transform_images(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        return self._transform_images(segmentation_masks, transformation, "nearest")

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def get_random_transformation(self, data, training=True, seed=None):
        shape = (data["images"] if isinstance(data, dict) else data).shape
        return shape[self.height_axis], shape[self.width_axis]

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        in_h, in_w = transformation
        boxes = bounding_boxes["boxes"]
        empty = torch.all(boxes == -1, dim=-1) | torch.all(boxes == 0, dim=-1)
        bounding_boxes = bbox.convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                             height=in_h, width=in_w)
        bounding_boxes["boxes"] = self._transform_xyxy(bounding_boxes["boxes"], float(in_h), float(in_w))
        bounding_boxes = bbox.clip_to_image_size(bounding_boxes, height=self.height, width=self.width)
        bounding_boxes["boxes"] = torch.where(empty.unsqueeze(-1), torch.zeros_like(bounding_boxes["boxes"]),
                                              bounding_boxes["boxes"])
        return bbox.convert_format(bounding_boxes, source="xyxy", target=self.bounding_box_format,
                                   height=self.height, width=self.width)

    def _transform_xyxy(self, boxes, in_h, in_w):
        if self.pad_to_aspect_ratio:
            ratio = min(self.height / in_h, self.width / in_w)
            sx = sy = ratio
            dx, dy = (self.width - in_w * ratio) // 2, (self.height - in_h * ratio) // 2
        elif self.crop_to_aspect_ratio:
            src, dst = in_w / in_h, self.width / self.height
            new_w = self.height * src if src > dst else self.width
            new_h = self.height if src > dst else self.width / src
            sx, sy = new_w / in_w, new_h / in_h
            dx, dy = -((new_w - self.width) // 2), -((new_h - self.height) // 2)
        else:
            sx, sy, dx, dy = self.width / in_w, self.height / in_h, 0.0, 0.0
        return torch.stack([boxes[..., 0] * sx + dx, boxes[..., 1] * sy + dy,
                            boxes[..., 2] * sx + dx, boxes[..., 3] * sy + dy], dim=-1)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self.height_axis], shape[self.width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height": self.height, "width": self.width, "interpolation": self.interpolation,
                    "crop_to_aspect_ratio": self.crop_to_aspect_ratio, "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                    "fill_mode": self.fill_mode, "fill_value": self.fill_value, "antialias": self.antialias,
                    "data_format": self.data_format})
        return cfg
