"""Bounding-box utilities of the image layers (keras.utils.bounding_boxes) and box transforms."""

import numpy as np
import pytest

from torchkeras import layers
from torchkeras.layers.preprocessing.image_preprocessing import bounding_boxes as bb

BOXES = np.array([[10.0, 20.0, 30.0, 60.0], [0.0, 0.0, 5.0, 5.0]], "float32")  # xyxy


@pytest.mark.parametrize("fmt, expected", [
    ("xywh", [[10, 20, 20, 40], [0, 0, 5, 5]]),
    ("yxyx", [[20, 10, 60, 30], [0, 0, 5, 5]]),
    ("center_xywh", [[20, 40, 20, 40], [2.5, 2.5, 5, 5]]),
    ("center_yxhw", [[40, 20, 40, 20], [2.5, 2.5, 5, 5]]),
    ("rel_xyxy", [[0.1, 0.1, 0.3, 0.3], [0, 0, 0.05, 0.025]]),
])
def test_convert_format_round_trips(fmt, expected):
    out = bb.convert_format(BOXES, "xyxy", fmt, height=200, width=100).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    back = bb.convert_format(out, fmt, "xyxy", height=200, width=100).numpy()
    np.testing.assert_allclose(back, BOXES, rtol=1e-6, atol=1e-5)


def test_relative_formats_need_the_image_size():
    with pytest.raises(ValueError, match="height"):
        bb.convert_format(BOXES, "xyxy", "rel_xyxy")
    with pytest.raises(ValueError, match="Supported formats"):
        bb.convert_format(BOXES, "xyxy", "xxyy")


def test_compute_iou_of_overlapping_squares():
    a = np.array([[0, 0, 2, 2]], "float32")
    b = np.array([[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]], "float32")
    iou = bb.compute_iou(a, b, "xyxy").numpy()
    np.testing.assert_allclose(iou, [[1 / 7, 1.0, 0.0]], atol=1e-6)


def test_clip_marks_empty_boxes_with_label_minus_one():
    out = bb.clip_to_image_size({"boxes": np.array([[-5, -5, -1, -1], [2, 2, 50, 50]], "float32"),
                                 "labels": np.array([3, 4])}, height=10, width=20)
    np.testing.assert_allclose(out["boxes"].numpy(), [[0, 0, 0, 0], [2, 2, 20, 10]])
    np.testing.assert_array_equal(out["labels"].numpy(), [-1, 4])


def test_deltas_round_trip():
    anchors = np.array([[0, 0, 10, 10], [5, 5, 25, 15]], "float32")
    deltas = bb.encode_box_to_deltas(anchors, BOXES, "xyxy", "xyxy", variance=[0.1, 0.1, 0.2, 0.2])
    back = bb.decode_deltas_to_boxes(anchors, deltas.numpy(), "xyxy", "xyxy", variance=[0.1, 0.1, 0.2, 0.2])
    np.testing.assert_allclose(back.numpy(), BOXES, rtol=1e-5, atol=1e-4)


def test_resizing_scales_boxes_and_translation_shifts_them():
    images = np.zeros((1, 20, 10, 3), "float32")
    boxes = {"boxes": np.array([[[2, 4, 6, 8]]], "float32"), "labels": np.array([[1]])}
    out = layers.Resizing(10, 20, bounding_box_format="xyxy")({"images": images, "bounding_boxes": boxes})
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"].numpy(), [[[4, 2, 12, 4]]])
    boxes = {"boxes": np.array([[[2, 4, 6, 8]]], "float32"), "labels": np.array([[1]])}
    out = layers.RandomTranslation((0.5, 0.5), (0.2, 0.2), bounding_box_format="xyxy")(
        {"images": images, "bounding_boxes": boxes}, training=True)
    # shifted by (0.2 * 10, 0.5 * 20) = (2, 10) then clipped into the 10x20 image
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"].numpy(), [[[4, 14, 8, 18]]])
