"""BaseImagePreprocessingLayer: Keras's base of the image preprocessing and augmentation layers.

A call draws one transformation (`get_random_transformation`) and applies it to the images and,
for dict inputs {"images", "labels", "bounding_boxes", "segmentation_masks"}, to each of those
(`transform_images` / `transform_labels` / `transform_bounding_boxes` /
`transform_segmentation_masks`). Images are (H, W, C) or (N, H, W, C) (channels_first: C first).

Training flag, as Keras's `call(data, training=True)`: a layer called on its own without
`training=` augments; inside a model it follows the model's flag (so `fit` augments and
`predict` / `evaluate` do not); `training=False` turns augmentation off.
"""

import math

import numpy as np
import torch

from torchkeras import config
from torchkeras.keras_tensor import any_symbolic
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.image_preprocessing._backend import (
    BACKEND,
    TFSeedGenerator,
    torch_dtype,
)
from torchkeras.layers.preprocessing.image_preprocessing._helpers import (
    TRANSFORMS,
    accepting_numpy,
    f32,
    to_tensor,
)
from torchkeras.layers.preprocessing.image_preprocessing._tf_data import (
    in_tf_data,
    is_tf_input,
    tf_data_call,
)


class BaseImagePreprocessingLayer(Layer):
    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in TRANSFORMS:
            fn = cls.__dict__.get(name)
            if fn is not None and not getattr(fn, "_accepts_numpy", False):
                setattr(cls, name, accepting_numpy(fn))

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.backend = BACKEND
        self.bounding_box_format = bounding_box_format
        self.data_format = config.standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(f"Layer {self.__class__.__name__} does not take a `factor` argument. "
                             f"Received: factor={factor}")
        # As Keras: a stateless layer is built at construction unless a subclass overrides build().
        self.built = type(self).build is Layer.build

    def _set_factor(self, factor):
        lo_b, hi_b = self._FACTOR_BOUNDS
        msg = ("The `factor` argument should be a number (or a list of two numbers) in the range "
               f"[{lo_b}, {hi_b}]. Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > hi_b or factor[1] < lo_b:
                raise ValueError(msg)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if factor < lo_b or factor > hi_b:
                raise ValueError(msg)
            factor = abs(factor)
            lower, upper = max(-factor, lo_b), factor
        else:
            raise ValueError(msg)
        self.factor = (lower, upper)

    @staticmethod
    def _check_value_range(value_range):
        msg = "The `value_range` argument should be a list of two numbers. "
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(msg + f"Received: value_range={value_range}")
        return sorted(value_range)

    # ------------------------------------------------------------------ the Keras call protocol
    def forward(self, inputs, *args, training=None, **kwargs):
        if type(inputs) is not torch.Tensor and is_tf_input(inputs):
            flag = True if training is None else training
            return tf_data_call(lambda v: self(v, training=flag, **kwargs), inputs)
        if training is None and config.call_context.depth == 0 and not any_symbolic(inputs):
            training = True
        if not self.built and isinstance(inputs, dict) and "images" in inputs:
            # build() sees the images' shape, not the dict's
            self.build((None,) + tuple(np.shape(inputs["images"]))[1:])
        outputs = super().forward(inputs, *args, training=training, **kwargs)
        if isinstance(inputs, dict) and isinstance(outputs, dict) and not any_symbolic(inputs):
            # As Keras: a dict input is updated in place and returned.
            inputs.update(outputs)
            return inputs
        return outputs

    def _get_seed_generator(self, backend=None):
        if not hasattr(self, "seed") or not hasattr(self, "generator"):
            raise ValueError("The `seed` and `generator` variable must be set in the `__init__` method "
                             "before calling `_get_seed_generator()`.")
        if in_tf_data():
            # As Keras: in a tf.data pipeline the layer draws from a TensorFlow-backend SeedGenerator
            # made from `self.seed` (one per layer, kept across calls), not from `self.generator`.
            gen = self.__dict__.get("_tf_seed_generator")
            if gen is None:
                gen = self.__dict__["_tf_seed_generator"] = TFSeedGenerator(self.seed)
            return gen
        return self.generator

    def get_random_transformation(self, data, training=True, seed=None):
        return None

    def _transform_images(self, images, transformation, interpolation):
        raise NotImplementedError()

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if training:
            images = self._transform_images(images, transformation, getattr(self, "interpolation", "bilinear"))
        return images

    def transform_labels(self, labels, transformation, training=True):
        raise NotImplementedError()

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError()

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if training:
            segmentation_masks = self._transform_images(segmentation_masks, transformation, "nearest")
        return segmentation_masks

    def transform_single_image(self, image, transformation, training=True):
        out = self.transform_images(image.unsqueeze(0), transformation=transformation, training=training)
        return out.squeeze(0)

    def transform_single_label(self, label, transformation, training=True):
        out = self.transform_labels(label.unsqueeze(0), transformation=transformation, training=training)
        return out.squeeze(0)

    def transform_single_bounding_box(self, bounding_box, transformation, training=True):
        boxes = {k: (v.unsqueeze(0) if k in ("boxes", "labels") else v) for k, v in bounding_box.items()}
        out = self.transform_bounding_boxes(boxes, transformation=transformation, training=training)
        return {k: (v.squeeze(0) if k in ("boxes", "labels") else v) for k, v in out.items()}

    def transform_single_segmentation_mask(self, segmentation_mask, transformation, training=True):
        out = self.transform_segmentation_masks(segmentation_mask.unsqueeze(0), transformation=transformation,
                                                training=training)
        return out.squeeze(0)

    def _is_batched(self, maybe_image_batch):
        shape = tuple(maybe_image_batch.shape)
        if len(shape) == 3:
            return False
        if len(shape) == 4:
            return True
        raise ValueError("Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                         f"Received: data.shape={shape}")

    def call(self, data, training=True):
        if isinstance(data, dict):
            data = {k: (to_tensor(v) if k != "bounding_boxes" else v) for k, v in data.items()}
        else:
            data = to_tensor(data)
        transformation = self.get_random_transformation(data, training=training)
        if not isinstance(data, dict):
            if self._is_batched(data):
                return self.transform_images(data, transformation=transformation, training=training)
            return self.transform_single_image(data, transformation=transformation, training=training)
        batched = self._is_batched(data["images"])
        if batched:
            data["images"] = self.transform_images(data["images"], transformation=transformation, training=training)
        else:
            data["images"] = self.transform_single_image(data["images"], transformation=transformation,
                                                         training=training)
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(
                    "You passed an input with a 'bounding_boxes' key, but you didn't specify a bounding box "
                    f"format. Pass a `bounding_box_format` argument to your {self.__class__.__name__} layer, "
                    "e.g. `bounding_box_format='xyxy'`.")
            from torchkeras.layers.preprocessing.image_preprocessing._bounding_boxes import (
                densify_bounding_boxes,
            )
            boxes = densify_bounding_boxes(data["bounding_boxes"], is_batched=batched)
            fn = self.transform_bounding_boxes if batched else self.transform_single_bounding_box
            data["bounding_boxes"] = fn(boxes, transformation=transformation, training=training)
        if "labels" in data:
            fn = self.transform_labels if batched else self.transform_single_label
            data["labels"] = fn(data["labels"], transformation=transformation, training=training)
        if "segmentation_masks" in data:
            fn = self.transform_segmentation_masks if batched else self.transform_single_segmentation_mask
            data["segmentation_masks"] = fn(data["segmentation_masks"], transformation=transformation,
                                            training=training)
        return data

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"data_format": self.data_format})
        if self.bounding_box_format is not None:
            cfg.update({"bounding_box_format": self.bounding_box_format})
        return cfg

    # ------------------------------------------------------------------ helpers shared by the layers
    def _float(self, x):
        return x.to(torch_dtype(self.compute_dtype))

    def _spatial_axes(self):
        return (-2, -1) if self.data_format == "channels_first" else (-3, -2)

    def _channel_axis(self):
        return -3 if self.data_format == "channels_first" else -1

    def _transform_value_range(self, images, original_range, target_range, dtype="float32"):
        if original_range[0] == target_range[0] and original_range[1] == target_range[1]:
            return images
        images = images.to(torch_dtype(dtype))
        omin, omax = float(original_range[0]), float(original_range[1])
        tmin, tmax = float(target_range[0]), float(target_range[1])
        images = (images - omin) / (omax - omin)
        return images * (tmax - tmin) + tmin

    def _compute_affine_matrix(self, center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y,
                               height, width):
        """(N, 8) output->input transforms: scale * shear * rotation about the centre, then a shift."""
        rad = torch.tensor(math.pi / 180.0, dtype=torch.float32)
        angle, shear_x, shear_y = angle.float() * rad, shear_x.float() * rad, shear_y.float() * rad
        # float32 sin/cos/tan rounded from float64: torch's float32 kernels can be 1 ulp off the
        # correctly rounded value TF returns, which moves sampling points visibly on sharp images.
        shear_x, shear_y = f32(torch.tan, shear_x), f32(torch.tan, shear_y)
        cx, cy = center_x * (float(width) - 1), center_y * (float(height) - 1)
        cos, sin = f32(torch.cos, angle), f32(torch.sin, angle)
        a0 = scale * (cos + shear_x * sin)
        a1 = scale * (-sin + shear_x * cos)
        a2 = translate_x + cx - cx * a0 - cy * a1
        b0 = scale * (shear_y * cos + sin)
        b1 = scale * (shear_y * -sin + cos)
        b2 = translate_y + cy - cx * b0 - cy * b1
        zeros = torch.zeros_like(a0)
        return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], dim=1)


for _name in TRANSFORMS:
    setattr(BaseImagePreprocessingLayer, _name, accepting_numpy(BaseImagePreprocessingLayer.__dict__[_name]))


for _name in TRANSFORMS:
    setattr(BaseImagePreprocessingLayer, _name, accepting_numpy(BaseImagePreprocessingLayer.__dict__[_name]))
