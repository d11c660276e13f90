"""AugMix: mixes the image with several chains of random augmentations (Hendrycks et al., 2019)."""

import random as py_random

import torch

from torchkeras.layers.preprocessing.image_preprocessing._composite import make_augment_layers
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from torchkeras.random import SeedGenerator

AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation", "random_posterization", "solarization",
                  "auto_contrast", "equalization"]
AUGMENT_LAYERS_ALL = AUGMENT_LAYERS + ["random_brightness", "random_color_degeneration", "random_contrast",
                                       "random_sharpness"]


class AugMix(BaseImagePreprocessingLayer):
    """AugMix augmentation during training.

    `num_chains` chains of up to `chain_depth` operations (each drawn with Python's `random`,
    "no operation" included) are mixed with Dirichlet(alpha) weights, and the mix is blended with
    the original image by a Beta(alpha, alpha) weight.

    Args:
        value_range: the (min, max) of the input pixels (default (0, 255)).
        num_chains: number of augmentation chains (default 3).
        chain_depth: operations per chain (default 3).
        factor: a float in [0, 1] or a pair: the strength of each operation (default 0.3).
        alpha: the Dirichlet / Beta concentration (default 1.0).
        all_ops: also use brightness, colour degeneration, contrast and sharpness (default True).
        interpolation: "bilinear" (default) or "nearest" for the geometric operations.
        seed: integer seed.
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self._set_factor(factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self._augment_layers = AUGMENT_LAYERS_ALL if all_ops else AUGMENT_LAYERS
        make_augment_layers(self, self._augment_layers, self.factor, value_range, interpolation, seed, data_format,
                            kwargs)

    def build(self, input_shape):
        for name in self._augment_layers:
            getattr(self, name).build(input_shape)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = seed or self._get_seed_generator()
        gamma = self.backend.random.gamma(shape=[self.num_chains], alpha=self.alpha, seed=seed)
        chain_weights = gamma / gamma.sum(-1, keepdim=True)
        weight_sample = self.backend.random.beta(shape=(), alpha=self.alpha, beta=self.alpha, seed=seed)
        chains = []
        for _ in range(self.num_chains):
            steps = []
            for _ in range(self.chain_depth):
                name = py_random.choice(self._augment_layers + [None])
                if name is None:
                    continue
                t = getattr(self, name).get_random_transformation(data, seed=self._get_seed_generator())
                steps.append({"layer_name": name, "transformation": t})
            chains.append(steps)
        return {"chain_mixing_weights": chain_weights, "weight_sample": weight_sample, "chain_transforms": chains}

    def _mix(self, x, transformation, method):
        w = self._float(transformation["chain_mixing_weights"]).to(x.device)
        m = self._float(transformation["weight_sample"]).to(x.device)
        mixed = torch.zeros_like(x)
        for i, chain in enumerate(transformation["chain_transforms"]):
            y = x.clone()
            for step in chain:
                y = getattr(getattr(self, step["layer_name"]), method)(y, step["transformation"])
            mixed = mixed + y * w[i]
        return m * x + (1 - m) * mixed

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if training:
            images = self._mix(images, transformation, "transform_images").clamp(self.value_range[0],
                                                                                  self.value_range[1])
        return self._float(images)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if training:
            segmentation_masks = self._mix(segmentation_masks, transformation, "transform_segmentation_masks")
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"value_range": self.value_range, "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                    "factor": self.factor, "alpha": self.alpha, "all_ops": self.all_ops,
                    "interpolation": self.interpolation, "seed": self.seed})
        return cfg
