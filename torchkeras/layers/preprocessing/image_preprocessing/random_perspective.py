"""RandomPerspective: moves each image's corners by random offsets and warps it accordingly."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing import _bounding_boxes as bbox
from torchkeras.layers.preprocessing.image_preprocessing._affine import affine_transform
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.random import SeedGenerator


def homography(start_points, end_points):
    """(N, 8) projective transforms mapping `end_points` (output) onto `start_points` (input)."""
    s, e = start_points.double(), end_points.double()
    rows = []
    for i in range(4):
        ex, ey, sx, sy = e[:, i, 0], e[:, i, 1], s[:, i, 0], s[:, i, 1]
        one, zero = torch.ones_like(ex), torch.zeros_like(ex)
        rows.append(torch.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], -1))
        rows.append(torch.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], -1))
    a = torch.stack(rows, dim=1)
    b = s.reshape(-1, 8, 1)
    return torch.linalg.solve(a, b).reshape(-1, 8).float()


class RandomPerspective(BaseImagePreprocessingLayer):
    """Randomly applies a perspective warp during training (pixels outside read `fill_value`).

    Args:
        factor: a float in [0, 1] or a pair: each image's probability of being warped is drawn in
            [lower, upper] (a single value f gives [0, f]).
        scale: in [0, 1]: each corner moves by up to `scale / 2` of the image size.
        interpolation: "bilinear" (default) or "nearest".
        fill_value: value outside the warped image.
        seed: integer seed.
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = SeedGenerator(seed)
        if scale < 0.0 or scale > 1.0:
            raise ValueError(f"The `scale` argument should be a number in the range [0,1]. Received: scale={scale}")
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one "
                                      "('nearest', 'bilinear').")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        n = 1 if len(shape) == 3 else shape[0]
        h_axis, w_axis = self._spatial_axes()
        h, w = shape[h_axis], shape[w_axis]
        seed = seed or self._get_seed_generator()
        p = self.backend.random.uniform(shape=(n,), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        threshold = self.backend.random.uniform(shape=(n,), minval=0.0, maxval=1.0, seed=seed)
        offsets = self.backend.random.uniform(shape=(n, 4, 2), minval=-0.5 * self.scale, maxval=0.5 * self.scale,
                                              seed=seed, dtype=self.compute_dtype)
        start = torch.tensor([[[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]]]).repeat(n, 1, 1)
        return {"apply_perspective": threshold < p, "start_points": start, "end_points": start + start * offsets,
                "input_shape": shape}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        matrix = homography(transformation["start_points"], transformation["end_points"]).to(images.device)
        out = affine_transform(images, matrix, interpolation=interpolation, fill_mode="constant",
                               fill_value=self.fill_value, data_format=self.data_format)
        apply = transformation["apply_perspective"].to(images.device).reshape((-1,) + (1,) * (images.ndim - 1))
        if images.ndim == 3:
            apply = apply[0]
        return torch.where(apply, out, images)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        h_axis, w_axis = self._spatial_axes()
        h, w = int(transformation["input_shape"][h_axis]), int(transformation["input_shape"][w_axis])
        bounding_boxes = bbox.convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                             height=h, width=w)
        boxes = bounding_boxes["boxes"]
        # the image warp maps output -> input; boxes move the other way, through the inverse
        m = homography(torch.as_tensor(transformation["start_points"]), torch.as_tensor(transformation["end_points"]))
        m = torch.cat([m, torch.ones_like(m[:, :1])], dim=1).reshape(-1, 1, 3, 3)
        inv = torch.linalg.inv(m.double()).float()
        x0, y0, x1, y1 = boxes.unbind(-1)
        xs, ys = [], []
        for x, y in ((x0, y0), (x1, y1), (x0, y1), (x1, y0)):
            p = torch.stack([x, y, torch.ones_like(x)], dim=-1).unsqueeze(-1)
            q = (inv @ p).squeeze(-1)
            xs.append(q[..., 0] / q[..., 2])
            ys.append(q[..., 1] / q[..., 2])
        xs, ys = torch.stack(xs, -1), torch.stack(ys, -1)
        moved = torch.stack([xs.amin(-1), ys.amin(-1), xs.amax(-1), ys.amax(-1)], dim=-1)
        apply = torch.as_tensor(transformation["apply_perspective"]).reshape(-1, 1, 1)
        bounding_boxes["boxes"] = torch.where(apply, moved, boxes)
        # Keras 3.15 returns these boxes in "xyxy" whatever `bounding_box_format` is.
        return bbox.clip_to_image_size(bounding_boxes, height=h, width=w)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"factor": self.factor, "scale": self.scale, "interpolation": self.interpolation,
                    "fill_value": self.fill_value, "seed": self.seed})
        return cfg
