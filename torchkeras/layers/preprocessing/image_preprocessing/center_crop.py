"""CenterCrop: the central (height, width) window; smaller images are cropped to the target aspect
ratio and resized up (Keras's smart_resize)."""

from torchkeras.layers.preprocessing.image_preprocessing import _bounding_boxes as bbox
from torchkeras.layers.preprocessing.image_preprocessing._resize import _aspect_box, resize
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)


def crop_hw(images, top, left, height, width, data_format):
    if data_format == "channels_first":
        return images[..., top:top + height, left:left + width]
    return images[..., top:top + height, left:left + width, :]


def smart_resize(images, size, data_format, interpolation="bilinear"):
    """Largest centred crop with the target aspect ratio, then a resize to `size`."""
    h_axis, w_axis = (-2, -1) if data_format == "channels_first" else (-3, -2)
    height, width = images.shape[h_axis], images.shape[w_axis]
    ch, cw, top, left = _aspect_box(height, width, size[0], size[1], crop=True)
    images = crop_hw(images, top, left, ch, cw, data_format)
    return resize(images, size, interpolation=interpolation, data_format=data_format)


class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the central `(height, width)` portion of images (upsizing images that are smaller).

    Args:
        height, width: output size.
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        return {"input_shape": tuple(images.shape)}

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        h_axis, w_axis = self._spatial_axes()
        h_diff, w_diff = images.shape[h_axis] - self.height, images.shape[w_axis] - self.width
        if h_diff >= 0 and w_diff >= 0:
            return crop_hw(images, h_diff // 2, w_diff // 2, self.height, self.width, self.data_format)
        return smart_resize(images, (self.height, self.width), self.data_format)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        h_axis, w_axis = self._spatial_axes()
        shape = transformation["input_shape"]
        in_h, in_w = shape[h_axis], shape[w_axis]
        bounding_boxes = bbox.convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                             height=in_h, width=in_w)
        if in_h >= self.height and in_w >= self.width:
            top, left = int((in_h - self.height) / 2), int((in_w - self.width) / 2)
            bounding_boxes = _clip_shift(bounding_boxes, top, left, self.height, self.width)
        else:
            ch, cw, top, left = _aspect_box(in_h, in_w, self.height, self.width, crop=True)
            bounding_boxes = _clip_shift(bounding_boxes, top, left, ch, cw)
            bounding_boxes = bbox.convert_format(bounding_boxes, source="xyxy", target="rel_xyxy", height=ch, width=cw)
            bounding_boxes = bbox.convert_format(bounding_boxes, source="rel_xyxy", target="xyxy",
                                                 height=self.height, width=self.width)
        bounding_boxes = bbox.clip_to_image_size(bounding_boxes, height=self.height, width=self.width)
        return bbox.convert_format(bounding_boxes, source="xyxy", target=self.bounding_box_format,
                                   height=self.height, width=self.width)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if (shape and isinstance(shape[0], (list, tuple))) or len(shape) not in (3, 4):
            raise ValueError("`input_shape` must be a non-nested tuple or list of rank-1 with size 3 (unbatched) "
                             "or 4 (batched). ")
        h_axis, w_axis = self._spatial_axes()
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height": self.height, "width": self.width, "data_format": self.data_format})
        return cfg


def _clip_shift(bounding_boxes, top, left, height, width):
    b = bounding_boxes["boxes"]
    x = b[..., 0::2].clamp(left, left + width) - left
    y = b[..., 1::2].clamp(top, top + height) - top
    out = dict(bounding_boxes)
    out["boxes"] = b.new_empty(b.shape)
    out["boxes"][..., 0::2], out["boxes"][..., 1::2] = x, y
    return out
