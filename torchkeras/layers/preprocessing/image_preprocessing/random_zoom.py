"""RandomZoom: zooms each image in or out about its centre by a random factor (training only)."""

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

_FACTOR_ERROR = ("The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) "
                 "in the range (-1.0, 1.0]. ")


class RandomZoom(BaseImagePreprocessingLayer):
    """Randomly zooms images during training.

    Args:
        height_factor: a float or a pair (lower, upper) in (-1, 1]: the vertical zoom is drawn in
            [1 + lower, 1 + upper]; positive values zoom out, negative values zoom in.
        width_factor: the same for the horizontal zoom; None (default) keeps the aspect ratio.
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = two_sided_factor(height_factor, "height_factor", _FACTOR_ERROR, True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = two_sided_factor(width_factor, "width_factor", _FACTOR_ERROR, True)
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
        zoom_shape = (shape[0], 1) if len(shape) == 4 else (1, 1)
        seed = seed if seed is not None else self._get_seed_generator()
        height_zoom = self.backend.random.uniform(minval=1.0 + self.height_lower, maxval=1.0 + self.height_upper,
                                                  shape=zoom_shape, seed=seed)
        if self.width_factor is not None:
            width_zoom = self.backend.random.uniform(minval=1.0 + self.width_lower, maxval=1.0 + self.width_upper,
                                                     shape=zoom_shape, seed=seed)
        else:
            width_zoom = height_zoom
        return {"height_zoom": height_zoom, "width_zoom": width_zoom, "input_shape": shape}

    def _zoom_matrix(self, zooms, height, width):
        zx, zy = zooms[:, 0:1], zooms[:, 1:2]
        zeros = torch.zeros_like(zx)
        x_off = ((float(width) - 1.0) / 2.0) * (1.0 - zx)
        y_off = ((float(height) - 1.0) / 2.0) * (1.0 - zy)
        return torch.cat([zx, zeros, x_off, zeros, zy, y_off, zeros, zeros], dim=1)

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        zooms = torch.cat([transformation["width_zoom"], transformation["height_zoom"]], dim=1).float()
        h_axis, w_axis = self._spatial_axes()
        matrix = self._zoom_matrix(zooms, images.shape[h_axis], images.shape[w_axis]).to(images.device)
        return affine_transform(images, matrix, interpolation=interpolation, fill_mode=self.fill_mode,
                                fill_value=self.fill_value, data_format=self.data_format)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        h_axis, w_axis = self._spatial_axes()
        h, w = transformation["input_shape"][h_axis], transformation["input_shape"][w_axis]
        bounding_boxes = bbox.convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                             height=h, width=w)
        zooms = torch.cat([transformation["width_zoom"], transformation["height_zoom"]], dim=1).float()
        m = self._zoom_matrix(zooms, h, w)
        w_start, h_start = m[:, 2:3], m[:, 5:6]
        w_end, h_end = m[:, 0:1] * w + m[:, 2:3], m[:, 4:5] * h + m[:, 5:6]
        b = bounding_boxes["boxes"]
        if b.ndim == 3:
            w_start, h_start, w_end, h_end = (v.unsqueeze(-1) for v in (w_start, h_start, w_end, h_end))
        xs = torch.minimum(torch.maximum(b[..., 0::2], w_start), w_end) - w_start
        ys = torch.minimum(torch.maximum(b[..., 1::2], h_start), h_end) - h_start
        bounding_boxes["boxes"] = torch.stack([xs[..., 0], ys[..., 0], xs[..., 1], ys[..., 1]], dim=-1)
        # (N, 1, 1) as Keras: unbatched (M, 4) boxes come back as (1, M, 4)
        new_h, new_w = (h_end - h_start).reshape(-1, 1, 1), (w_end - w_start).reshape(-1, 1, 1)
        bounding_boxes = bbox.convert_format(bounding_boxes, source="xyxy", target="rel_xyxy", height=new_h,
                                             width=new_w)
        bounding_boxes = bbox.clip_to_image_size(bounding_boxes, height=new_h, width=new_w,
                                                 bounding_box_format="rel_xyxy")
        return bbox.convert_format(bounding_boxes, source="rel_xyxy", target=self.bounding_box_format, height=h,
                                   width=w)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                    "fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                    "fill_value": self.fill_value, "data_format": self.data_format})
        return cfg
