"""Pipeline: applies a list of preprocessing layers in sequence (not a model: no weights of its own)."""

import torch

from torchkeras import config
from torchkeras.keras_tensor import any_symbolic
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.image_preprocessing._tf_data import is_tf_input, tf_data_call
from torchkeras.saving import serialization_lib


class Pipeline(Layer):
    """Applies `layers` in order, passing `training` (when given) and each layer's output mask on.

    Like the augmentation layers, a standalone call without `training=` counts as training.

    Args:
        layers: a list of layers.
        name: the layer name.
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        self._pipeline_layers = list(layers)
        self.built = True

    @property
    def layers(self):
        return self._pipeline_layers

    def forward(self, inputs, *args, training=None, **kwargs):
        if type(inputs) is not torch.Tensor and is_tf_input(inputs):
            flag = True if training is None else training
            return tf_data_call(lambda v: self(v, training=flag, **kwargs), inputs)
        if training is None and config.call_context.depth == 0 and not any_symbolic(inputs):
            training = True
        return super().forward(inputs, *args, training=training, **kwargs)

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            has_training, has_mask = layer._call_args()
            kwargs = {}
            if has_mask:
                kwargs["mask"] = mask
            if has_training and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = getattr(outputs, "_keras_mask", None)
        return outputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    @classmethod
    def from_config(cls, cfg):
        layers = cfg.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("`Pipeline` config must contain a `layers` key mapping to a list of serialized layers. "
                             f"Received config with layers={layers}.")
        cfg = dict(cfg)
        cfg["layers"] = [serialization_lib.deserialize_keras_object(x) for x in layers]
        return cls(**cfg)

    def get_config(self):
        return {"layers": serialization_lib.serialize_keras_object(self._pipeline_layers), "name": self.name}
