"""Helpers of the image layers' base: numpy/TensorFlow-tolerant transform methods and casts."""

import numpy as np
import torch

from torchkeras.layers.preprocessing.image_preprocessing._backend import torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing._tf_data import (
    is_tf_input,
    numpy_to_torch,
    tf_data_call,
)

TRANSFORMS = ("get_random_transformation", "transform_images", "transform_labels", "transform_bounding_boxes",
               "transform_segmentation_masks")


def accepting_numpy(fn):
    """Let a transform method be called directly with numpy data / transformations (or, inside a
    tf.data map, TensorFlow tensors), as Keras's backend-agnostic ones can."""
    def method(self, data, *args, **kwargs):
        if type(data) is not torch.Tensor:
            if is_tf_input(data):
                return tf_data_call(lambda v: method(self, v, *args, **kwargs), data)
            data = numpy_to_torch(data)
        args = tuple(numpy_to_torch(a) for a in args)
        if "transformation" in kwargs:
            kwargs["transformation"] = numpy_to_torch(kwargs["transformation"])
        return fn(self, data, *args, **kwargs)
    method.__name__, method.__doc__, method.__wrapped__ = fn.__name__, fn.__doc__, fn
    method._accepts_numpy = True
    return method


def f32(fn, x):
    return fn(x.double()).float()


def to_tensor(x):
    if isinstance(x, torch.Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(arr))


def saturate_cast(x, dtype):
    """Cast with clipping to the target dtype's range (tf.image.convert_image_dtype's saturate)."""
    dtype = torch_dtype(dtype)
    if dtype.is_floating_point or dtype == torch.bool:
        return x.to(dtype)
    info = torch.iinfo(dtype)
    return x.clamp(info.min, info.max).to(dtype)
