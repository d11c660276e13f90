"""CutMix: pastes a random rectangle of another batch image into each image; labels mix by area."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._boxes_mask import box_masks, crop_bounds
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.random import SeedGenerator


class CutMix(BaseImagePreprocessingLayer):
    """CutMix augmentation (Yun et al., 2019) during training, on batched images.

    Args:
        factor: a float in [0, 1] or a pair: the Beta concentration is drawn in [lower, upper]
            (a single value f gives [0, f]).
        seed: integer seed.
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        if len(shape) == 3:
            return None
        n = shape[0]
        h_axis, w_axis = self._spatial_axes()
        seed = seed or self._get_seed_generator()
        alpha = float(self.backend.random.uniform(shape=(), minval=self.factor[0], maxval=self.factor[1],
                                                  dtype=self.compute_dtype, seed=seed)) + 1e-6
        weight = self.backend.random.beta((n,), alpha, alpha, seed=seed, dtype=self.compute_dtype)
        ratio = torch.sqrt(1.0 - weight)
        x0, x1 = crop_bounds(self, n, shape[w_axis], ratio, seed)
        y0, y1 = crop_bounds(self, n, shape[h_axis], ratio, seed)
        masks, (x0, x1, y0, y1) = box_masks(self, shape, (x0, x1, y0, y1))
        weight = 1.0 - (x1 - x0) * (y1 - y0) / (shape[w_axis] * shape[h_axis])
        order = self.backend.random.shuffle(torch.arange(0, n, dtype=torch.int32), seed=seed)
        return {"permutation_order": order, "batch_masks": masks, "mix_weight": weight}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if training and transformation is not None:
            dev = images.device
            other = images.index_select(0, transformation["permutation_order"].to(dev))
            images = torch.where(transformation["batch_masks"].to(dev), other, images)
        return images

    def transform_labels(self, labels, transformation, training=True):
        if training and transformation is not None:
            dev = labels.device
            other = labels.index_select(0, transformation["permutation_order"].to(dev))
            w = transformation["mix_weight"].to(dev).reshape(-1, 1)
            labels = w * labels + (1.0 - w) * other
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError()

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"factor": self.factor, "seed": self.seed})
        return cfg
