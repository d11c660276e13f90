"""Softmax layer with an optional mask (masked entries get probability 0)."""

import torch

from torchkeras import activations
from torchkeras.layers.layer import Layer


def _large_negative(dtype):
    # Added to masked logits before the softmax; -1e9 overflows float16.
    return -30000.0 if dtype == torch.float16 else -1e9


class Softmax(Layer):
    """Softmax over `axis` (int or tuple of ints).

    `mask` (bool, or numeric where > 0.5 means keep) must broadcast to the input; masked logits are
    replaced by a large negative number and their outputs set to 0, as Keras. Without a mask the
    output keeps `_keras_logits` so crossentropy losses can use the logits.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, list) else axis
        self.supports_masking = True
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def _check_mask(self, inputs, mask):
        if not isinstance(mask, torch.Tensor):
            mask = torch.as_tensor(mask, device=inputs.device)
        if mask.dim() > inputs.dim():
            raise ValueError("The `mask` must be broadcastable to `inputs` and must not have more dimensions. "
                             f"Received: inputs.shape={tuple(inputs.shape)}, mask.shape={tuple(mask.shape)}")
        for m, i in zip(reversed(mask.shape), reversed(inputs.shape)):
            if m != 1 and m != i:
                raise ValueError("The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or "
                                 f"match the corresponding input dimension. Received: inputs.shape="
                                 f"{tuple(inputs.shape)}, mask.shape={tuple(mask.shape)}")
        return mask if mask.dtype == torch.bool else mask > 0.5

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._check_mask(inputs, mask)
            inputs = torch.where(mask, inputs, torch.tensor(_large_negative(inputs.dtype), dtype=inputs.dtype,
                                                            device=inputs.device))
        axis = self.axis
        if isinstance(axis, tuple) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, tuple):
            outputs = torch.exp(inputs - torch.logsumexp(inputs, dim=axis, keepdim=True))
        else:
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = torch.where(mask, outputs, torch.zeros((), dtype=outputs.dtype, device=outputs.device))
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg["axis"] = self.axis
        return cfg
