"""keras.utils.bounding_boxes: box format conversion, IoU/CIoU, deltas, crop/pad and affine helpers
(implemented with the image preprocessing layers that use them)."""

from torchkeras.layers.preprocessing.image_preprocessing.bounding_boxes import *  # noqa: F401,F403
