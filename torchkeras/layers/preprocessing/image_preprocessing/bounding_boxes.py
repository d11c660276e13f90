"""keras.utils.bounding_boxes: format conversion, clipping, affine maps, crop/pad, anchor deltas, IoU.

Boxes are (..., 4) arrays or tensors (numpy inputs accepted); results are torch tensors.
"""

import math

import numpy as np
import torch

from torchkeras import config
from torchkeras.layers.preprocessing.image_preprocessing import _bounding_boxes as _bb

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou", "convert_format", "crop",
           "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]


def _t(x, dtype=torch.float32):
    if isinstance(x, torch.Tensor):
        return x.to(dtype)
    return torch.as_tensor(np.asarray(x), dtype=dtype)


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Convert boxes between "xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw" and the relative
    "rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh" (which need `height` and `width`)."""
    if isinstance(boxes, dict):
        boxes = dict(boxes)
        boxes["boxes"] = _t(boxes["boxes"])
    else:
        boxes = _t(boxes)
    h = None if height is None else _t(height) if not isinstance(height, (int, float)) else height
    w = None if width is None else _t(width) if not isinstance(width, (int, float)) else width
    return _bb.convert_format(boxes, source, target, height=h, width=w, dtype=dtype)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clip {"boxes", "labels"} into the image; boxes left without area get label -1."""
    boxes = dict(bounding_boxes)
    boxes["boxes"] = _t(boxes["boxes"])
    if "labels" in boxes:
        boxes["labels"] = torch.as_tensor(np.asarray(boxes["labels"])) if not isinstance(
            boxes["labels"], torch.Tensor) else boxes["labels"]
    return _bb.clip_to_image_size(boxes, height=height, width=width, bounding_box_format=bounding_box_format)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
                     center_x=None, center_y=None, bounding_box_format="xyxy"):
    """Move (B, N, 4) xyxy boxes as an image rotated/translated/scaled/sheared about its centre
    (angles in degrees, translations as fractions of the image size)."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError
    args = [_t(v) for v in (angle, translate_x, translate_y, scale, shear_x, shear_y)]
    return _bb.affine_transform(_t(boxes), *args, height, width, center_x=center_x, center_y=center_y)


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """Boxes relative to the crop window (top, left, height, width), clipped into it."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError
    b = _t(boxes)
    x = (b[..., 0::2] - float(left)).clamp(0, float(width))
    y = (b[..., 1::2] - float(top)).clamp(0, float(height))
    return torch.stack([x[..., 0], y[..., 0], x[..., 1], y[..., 1]], dim=-1)


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """Boxes shifted by the top/left padding of their image."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError
    shift = torch.tensor([float(left), float(top), float(left), float(top)])
    return _t(boxes) + shift


def _shape_hw(image_shape):
    if image_shape is None:
        return None, None
    height, width, _ = image_shape
    return height, width


def _check_variance(variance):
    if variance is None:
        return None
    variance = _t(variance)
    if variance.shape[-1] != 4:
        raise ValueError(f"`variance` must be length 4, got {variance}")
    return variance


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format, encoding_format="center_yxhw", variance=None,
                         image_shape=None):
    """Deltas (centre offsets / anchor size, log size ratios) from anchors to boxes."""
    variance = _check_variance(variance)
    if encoding_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"`encoding_format` should be one of 'center_xywh' or 'center_yxhw', got {encoding_format}")
    h, w = _shape_hw(image_shape)
    a = convert_format(anchors, source=anchor_format, target=encoding_format, height=h, width=w)
    b = convert_format(boxes, source=box_format, target=encoding_format, height=h, width=w)
    a_dim = a[..., 2:].clamp_min(config.epsilon())
    b_dim = b[..., 2:].clamp_min(config.epsilon())
    deltas = torch.cat([(b[..., :2] - a[..., :2]) / a_dim, torch.log(b_dim / a_dim)], dim=-1)
    return deltas / variance if variance is not None else deltas


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format, encoded_format="center_yxhw",
                           variance=None, image_shape=None):
    """Inverse of `encode_box_to_deltas` (dicts of per-level anchors/deltas are decoded level by level)."""
    variance = _check_variance(variance)
    if encoded_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"`encoded_format` should be 'center_xywh' or 'center_yxhw', but got '{encoded_format}'.")
    h, w = _shape_hw(image_shape)

    def decode(anchor, delta):
        a = convert_format(anchor, source=anchor_format, target=encoded_format, height=h, width=w)
        d = _t(delta)
        if variance is not None:
            d = d * variance
        box = torch.cat([d[..., :2] * a[..., 2:] + a[..., :2], torch.exp(d[..., 2:]) * a[..., 2:]], dim=-1)
        return convert_format(box, source=encoded_format, target=box_format, height=h, width=w)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {lvl: decode(anchor, boxes_delta[lvl]) for lvl, anchor in anchors.items()}
    return decode(anchors, boxes_delta)


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1, image_shape=None):
    """Pairwise IoU: (N, 4) x (M, 4) -> (N, M), batched (B, N, 4) x (B, M, 4) -> (B, N, M)."""
    r1, r2 = len(np.shape(boxes1)), len(np.shape(boxes2))
    for name, r in (("boxes1", r1), ("boxes2", r2)):
        if r not in (2, 3):
            raise ValueError(f"compute_iou() expects {name} to be batched, or to be unbatched. Received "
                             f"len(boxes1.shape)={r1}, len(boxes2.shape)={r2}. Expected either "
                             f"len({name}.shape)=2 AND or len({name}.shape)=3.")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` argument "
                         f"must be provided.Received `image_shape`: {image_shape}")
    h, w = _shape_hw(image_shape)
    b1 = convert_format(boxes1, source=bounding_box_format, target="yxyx", height=h, width=w)
    b2 = convert_format(boxes2, source=bounding_box_format, target="yxyx", height=h, width=w)
    t2 = b2.transpose(-1, -2)
    ih = (torch.minimum(b1[..., 2:3], t2[..., 2:3, :]) - torch.maximum(b1[..., 0:1], t2[..., 0:1, :])).clamp_min(0)
    iw = (torch.minimum(b1[..., 3:4], t2[..., 3:4, :]) - torch.maximum(b1[..., 1:2], t2[..., 1:2, :])).clamp_min(0)
    inter = ih * iw
    area1 = (b1[..., 2] - b1[..., 0]) * (b1[..., 3] - b1[..., 1])
    area2 = (b2[..., 2] - b2[..., 0]) * (b2[..., 3] - b2[..., 1])
    union = area1.unsqueeze(-1) + area2.unsqueeze(-2) - inter
    res = inter / (union + config.epsilon())
    if not use_masking:
        return res
    mask1 = b1.amax(-1, keepdim=True) < 0
    mask2 = (b2.amax(-1, keepdim=True) < 0).transpose(-1, -2)
    return torch.where(mask1 | mask2, torch.full_like(res, float(mask_val)), res)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of matching boxes (IoU minus centre-distance and aspect-ratio penalties)."""
    if "rel" in bounding_box_format:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` argument "
                         f"must be provided.Received `image_shape`: {image_shape}")
    h, w = _shape_hw(image_shape)
    eps = config.epsilon()
    b1 = convert_format(boxes1, source=bounding_box_format, target="xyxy", height=h, width=w)
    b2 = convert_format(boxes2, source=bounding_box_format, target="xyxy", height=h, width=w)
    x1a, y1a, x2a, y2a = (b1[..., i:i + 1] for i in range(4))
    x1b, y1b, x2b, y2b = (b2[..., i:i + 1] for i in range(4))
    w1, h1 = x2a - x1a, y2a - y1a + eps
    w2, h2 = x2b - x1b, y2b - y1b + eps
    inter = ((torch.minimum(x2a, x2b) - torch.maximum(x1a, x1b)).clamp_min(0)
             * (torch.minimum(y2a, y2b) - torch.maximum(y1a, y1b)).clamp_min(0))
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = (inter / (union + eps)).squeeze(-1)
    cw = torch.maximum(x2a, x2b) - torch.minimum(x1a, x1b)
    ch = torch.maximum(y2a, y2b) - torch.minimum(y1a, y1b)
    diag = (cw ** 2 + ch ** 2 + eps).squeeze(-1)
    dist = (((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2 + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2).squeeze(-1)
    v = ((4 / math.pi ** 2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)) ** 2).squeeze(-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (dist / diag + v * alpha)
