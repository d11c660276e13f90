"""CategoryEncoding: integer ids -> one_hot / multi_hot / count vectors of `num_tokens` entries."""

import torch

from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.preprocessing._encoding import encode
from torchkeras.layers.preprocessing.data_layer import DataLayer


class CategoryEncoding(DataLayer):
    """Encodes integer features in [0, num_tokens) as dense vectors.

    Args:
        num_tokens: the number of categories (the output's last dimension).
        output_mode: "multi_hot" (default), "one_hot" or "count".
        sparse: unsupported on torch (must stay False).

    Call arguments: `inputs` (integer ids), `count_weights` (weights summed per id in "count" mode).
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("`sparse=True` is not supported by the torch implementation of CategoryEncoding: "
                             "it returns dense tensors. Pass sparse=False.")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def _encode(self, inputs, count_weights=None):
        inputs = torch.as_tensor(inputs) if not isinstance(inputs, torch.Tensor) else inputs
        if inputs.is_floating_point():
            inputs = inputs.long()
        return encode(inputs, self.output_mode, self.num_tokens, torch_dtype(self.compute_dtype),
                      count_weights=count_weights)

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. "
                                 f"Received `count_weights={count_weights}`.")
            count_weights = torch.as_tensor(count_weights, dtype=torch_dtype(self.compute_dtype),
                                            device=inputs.device)
        return self._encode(inputs, count_weights)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if input_shape[-1] != 1 or len(input_shape) == 1:
                return input_shape + (self.num_tokens,)
            return input_shape[:-1] + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return cfg
