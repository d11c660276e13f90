"""Rescaling: `inputs * scale + offset` (e.g. scale=1/255 maps [0, 255] pixels into [0, 1])."""

import torch

from torchkeras import config
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.image_preprocessing._backend import torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing._tf_data import is_tf_input, tf_data_call
from torchkeras.saving import serialization_lib


class Rescaling(Layer):
    """Multiplies the inputs by `scale` and adds `offset`, in the compute dtype.

    Args:
        scale: a float, or a per-channel list/array (broadcast along the last axis, or along the
            channel axis of channels_first images when `image_data_format()` says so).
        offset: a float or a per-channel list/array added after scaling.

    Input shape: any. Output shape: the input shape.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.built = True

    def forward(self, inputs, *args, **kwargs):
        if type(inputs) is not torch.Tensor and is_tf_input(inputs):
            return tf_data_call(lambda v: self(v, **kwargs), inputs)
        return super().forward(inputs, *args, **kwargs)

    def call(self, inputs):
        dtype = torch_dtype(self.compute_dtype)
        scale = torch.as_tensor(self.scale, dtype=dtype, device=inputs.device)
        offset = torch.as_tensor(self.offset, dtype=dtype, device=inputs.device)
        if scale.ndim > 0 and config.image_data_format() == "channels_first":
            scale = scale.reshape(tuple(scale.shape) + (1,) * (3 - scale.ndim))
        return inputs.to(dtype) * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"scale": serialization_lib.serialize_keras_object(self.scale),
                    "offset": serialization_lib.serialize_keras_object(self.offset)})
        return cfg

    @classmethod
    def from_config(cls, cfg, custom_objects=None):
        cfg = dict(cfg)
        for key in ("scale", "offset"):
            cfg[key] = serialization_lib.deserialize_keras_object(cfg[key], custom_objects=custom_objects)
        return cls(**cfg)
