"""Masking: marks timesteps whose features all equal `mask_value` as padding."""

import torch

from torchkeras.layers.layer import Layer
from torchkeras.utils import serialization


class Masking(Layer):
    """Masks timesteps (axis -2) where every feature (axis -1) equals `mask_value`.

    Output: the input with masked timesteps set to 0 (`where`, so inf/nan there become 0 too);
    the output mask (shape = input shape without the last axis) is `any(inputs != mask_value, -1)`.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config", None):
            mask_value = serialization.deserialize_keras_object(mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def _keep(self, inputs, keepdim):
        if not isinstance(inputs, torch.Tensor):  # compute_mask called directly on numpy, as Keras allows
            inputs = torch.as_tensor(inputs)
        return torch.any(inputs != self.mask_value, dim=-1, keepdim=keepdim)

    def call(self, inputs):
        keep = self._keep(inputs, keepdim=True)
        return torch.where(keep, inputs, torch.zeros((), dtype=inputs.dtype, device=inputs.device))

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs, keepdim=False)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg["mask_value"] = self.mask_value
        return cfg
