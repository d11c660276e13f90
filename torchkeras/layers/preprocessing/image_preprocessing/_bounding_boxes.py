"""Bounding-box helpers of the image layers: format conversion, clipping, densifying, affine maps.

Formats (Keras's): xyxy, yxyx, xywh, center_xywh, center_yxhw and the relative rel_xyxy, rel_yxyx,
rel_xywh, rel_center_xywh (fractions of the image width / height).
"""

import math

import numpy as np
import torch

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
                     "rel_center_xywh")


def _split(b):
    return b[..., 0:1], b[..., 1:2], b[..., 2:3], b[..., 3:4]


def _cat(*parts):
    return torch.cat(parts, dim=-1)


def _to_xyxy(b, fmt, h, w):
    p, q, r, s = _split(b)
    if fmt == "xyxy":
        return b
    if fmt == "yxyx":
        return _cat(q, p, s, r)
    if fmt == "xywh":
        return _cat(p, q, p + r, q + s)
    if fmt == "center_xywh":
        return _cat(p - r / 2.0, q - s / 2.0, p + r / 2.0, q + s / 2.0)
    if fmt == "center_yxhw":
        return _cat(q - s / 2.0, p - r / 2.0, q + s / 2.0, p + r / 2.0)
    if fmt == "rel_xyxy":
        return _cat(p * w, q * h, r * w, s * h)
    if fmt == "rel_yxyx":
        return _cat(q * w, p * h, s * w, r * h)
    if fmt == "rel_xywh":
        return _cat(p * w, q * h, (p + r) * w, (q + s) * h)
    return _cat((p - r / 2.0) * w, (q - s / 2.0) * h, (p + r / 2.0) * w, (q + s / 2.0) * h)


def _from_xyxy(b, fmt, h, w):
    x1, y1, x2, y2 = _split(b)
    if fmt == "xyxy":
        return b
    if fmt == "yxyx":
        return _cat(y1, x1, y2, x2)
    if fmt == "xywh":
        return _cat(x1, y1, x2 - x1, y2 - y1)
    cx, cy = x1 + (x2 - x1) / 2.0, y1 + (y2 - y1) / 2.0
    if fmt == "center_xywh":
        return _cat(cx, cy, x2 - x1, y2 - y1)
    if fmt == "center_yxhw":
        return _cat(cy, cx, y2 - y1, x2 - x1)
    if fmt == "rel_xyxy":
        return _cat(x1 / w, y1 / h, x2 / w, y2 / h)
    if fmt == "rel_yxyx":
        return _cat(y1 / h, x1 / w, y2 / h, x2 / w)
    if fmt == "rel_xywh":
        return _cat(x1 / w, y1 / h, (x2 - x1) / w, (y2 - y1) / h)
    return _cat(cx / w, cy / h, (x2 - x1) / w, (y2 - y1) / h)


def _as_float(v):
    return v.float() if isinstance(v, torch.Tensor) else float(v)


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Convert boxes (a tensor, or a dict with "boxes") from `source` to `target` format."""
    if isinstance(boxes, dict):
        out = dict(boxes)
        out["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return out
    boxes = torch.as_tensor(boxes)
    if boxes.shape[-1] != 4:
        raise ValueError(f"`boxes` must be a tensor with the last dimension of 4. Received: boxes.shape={tuple(boxes.shape)}")
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"Invalid source or target format. Supported formats: {SUPPORTED_FORMATS}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (width is None or height is None):
        raise ValueError("convert_format() must receive `height` and `width` transforming between relative and "
                         f"absolute formats.convert_format() received source=`{source}`, target=`{target}, but "
                         f"height={height} and width={width}.")
    boxes = boxes.float()
    if source == target:
        return boxes
    h = None if height is None else _as_float(height)
    w = None if width is None else _as_float(width)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, h, w), target, h, w)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clip boxes into the image; boxes left with no area get label -1."""
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`.")
    boxes = bounding_boxes["boxes"]
    hi_x, hi_y = (1.0, 1.0) if bounding_box_format == "rel_xyxy" else (_as_float(width), _as_float(height))
    x1, y1, x2, y2 = _split(boxes)
    lo = torch.zeros((), dtype=boxes.dtype, device=boxes.device)

    def clip(v, hi):
        hi = torch.as_tensor(hi, dtype=boxes.dtype, device=boxes.device)
        return torch.minimum(torch.maximum(v, lo), hi)
    boxes = _cat(clip(x1, hi_x), clip(y1, hi_y), clip(x2, hi_x), clip(y2, hi_y))
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    labels = bounding_boxes.get("labels")
    if labels is not None:
        area = ((boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1]))
        labels = torch.as_tensor(labels)
        result["labels"] = torch.where(area > 0, labels, torch.full_like(labels, -1))
    return result


def validate_bounding_boxes(bounding_boxes):
    if not isinstance(bounding_boxes, dict) or "labels" not in bounding_boxes or "boxes" not in bounding_boxes:
        raise ValueError("Expected `bounding_boxes` agurment to be a dict with keys 'boxes' and 'labels'. "
                         f"Received: bounding_boxes={bounding_boxes}")
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if isinstance(boxes, list):
        if not isinstance(labels, list):
            raise ValueError("If `bounding_boxes['boxes']` is a list, then `bounding_boxes['labels']` must also be "
                             f"a list.Received: bounding_boxes['labels']={labels}")
        if len(boxes) != len(labels):
            raise ValueError("If `bounding_boxes['boxes']` and `bounding_boxes['labels']` are both lists, they must "
                             f"have the same length. Received: len(bounding_boxes['boxes'])={len(boxes)} and "
                             f"len(bounding_boxes['labels'])={len(labels)} and ")


def densify_bounding_boxes(bounding_boxes, is_batched=False, max_boxes=None, boxes_default_value=0,
                           labels_default_value=-1, backend=None):
    """Boxes/labels as dense tensors; ragged Python lists are padded to `max_boxes` (or the longest)."""
    validate_bounding_boxes(bounding_boxes)
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if isinstance(boxes, list) and boxes and isinstance(boxes[0], list) and boxes[0] and \
            isinstance(boxes[0][0], list):
        n = max_boxes if max_boxes is not None else max(len(b) for b in boxes)
        pad_b = [boxes_default_value] * 4
        new_b = [list(b[:n]) + [pad_b] * (n - len(b)) for b in boxes]
        new_l = [list(lab[:n]) + [labels_default_value] * (n - len(lab)) for lab in labels]
        return {"boxes": torch.tensor(new_b, dtype=torch.float32), "labels": torch.tensor(new_l, dtype=torch.int32)}
    out = dict(bounding_boxes)
    out["boxes"] = torch.as_tensor(np.asarray(boxes) if not isinstance(boxes, torch.Tensor) else boxes).float()
    out["labels"] = labels if isinstance(labels, torch.Tensor) else torch.as_tensor(np.asarray(labels))
    return out


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
                     center_x=None, center_y=None, bounding_box_format="xyxy"):
    """Map (B, N, 4) xyxy boxes through the forward affine map of an image transform; the result is
    the axis-aligned hull of the four moved corners."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError
    cx = (0.5 if center_x is None else center_x) * (width - 1)
    cy = (0.5 if center_y is None else center_y) * (height - 1)
    rad = math.pi / 180.0
    rot, sx, sy = -angle * rad, -shear_x * rad, -shear_y * rad
    tx, ty = -translate_x * (width - 1), -translate_y * (height - 1)
    a = torch.cos(rot - sy) / torch.cos(sy)
    b = a * torch.tan(sx) + torch.sin(rot)
    c = -torch.sin(rot - sy) / torch.cos(sy)
    d = torch.cos(rot) - c * torch.tan(sx)
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * (cx + tx) - a1 * (cy + ty)
    b2 = cy - b0 * (cx + tx) - b1 * (cy + ty)
    boxes = boxes.to(a0.dtype)
    xs = torch.stack([boxes[..., 0], boxes[..., 2], boxes[..., 2], boxes[..., 0]], dim=-1)
    ys = torch.stack([boxes[..., 1], boxes[..., 1], boxes[..., 3], boxes[..., 3]], dim=-1)

    def per_batch(v):
        return v.reshape(-1, 1, 1)
    new_x = per_batch(a0) * xs + per_batch(a1) * ys + per_batch(a2)
    new_y = per_batch(b0) * xs + per_batch(b1) * ys + per_batch(b2)
    return torch.stack([new_x.amin(-1), new_y.amin(-1), new_x.amax(-1), new_y.amax(-1)], dim=-1)
