"""MixUp: blends each image (and label) with another of the batch, by a Beta-distributed weight."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.random import SeedGenerator


class MixUp(BaseImagePreprocessingLayer):
    """MixUp augmentation (Zhang et al., 2017) during training.

    Each image i becomes `w_i * x_i + (1 - w_i) * x_p(i)` with p a random permutation of the batch
    and w_i ~ Beta(alpha, alpha); one-hot labels mix with the same weights.

    Args:
        alpha: the Beta distribution's concentration (default 0.2).
        data_format: "channels_last" (default) or "channels_first".
        seed: integer seed.
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        n = 1 if images.ndim == 3 else images.shape[0]
        seed = seed if seed is not None else self._get_seed_generator()
        order = self.backend.random.shuffle(torch.arange(0, n, dtype=torch.int64), seed=seed)
        weight = self.backend.random.beta((n,), self.alpha, self.alpha, seed=seed)
        return {"mix_weight": weight, "permutation_order": order}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = self._float(images)
        w, order = _weight_and_order(transformation, images.device)
        w = self._float(w).reshape(-1, 1, 1, 1)
        other = images.index_select(0, order)
        return w * images + (1.0 - w) * other

    def transform_labels(self, labels, transformation, training=True):
        if not training:
            return labels
        w, order = _weight_and_order(transformation, labels.device)
        w = w.reshape(-1, 1)
        other = labels.index_select(0, order)
        return w * labels + (1.0 - w) * other

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        order = torch.as_tensor(transformation["permutation_order"]).long()
        boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
        boxes = torch.cat([boxes, boxes.index_select(0, order.to(boxes.device))], dim=1)
        labels = torch.cat([labels, labels.index_select(0, order.to(labels.device))], dim=0)
        return {"boxes": boxes, "labels": labels}

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        w, order = _weight_and_order(transformation, segmentation_masks.device)
        w = w.reshape(-1, 1, 1, 1)
        # Keras 3.15 calls take() without an axis here (indexing the flattened masks); the masks
        # are mixed along the batch axis, as the images are.
        other = segmentation_masks.index_select(0, order)
        return w * segmentation_masks + (1.0 - w) * other

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"alpha": self.alpha, "seed": self.seed})
        return cfg


def _weight_and_order(transformation, device):
    # transformations may also be given by hand, as Python numbers and lists
    w = torch.as_tensor(transformation["mix_weight"], dtype=torch.float32, device=device)
    order = torch.as_tensor(transformation["permutation_order"], device=device).long()
    return w, order
