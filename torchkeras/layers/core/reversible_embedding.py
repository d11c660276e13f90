"""ReversibleEmbedding: an Embedding that can also project hidden states back to vocabulary logits."""

import numbers

import torch

from torchkeras.keras_tensor import KerasTensor, torch_dtype
from torchkeras.layers.core.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """Embedding whose `call(inputs, reverse=True)` maps (..., output_dim) to (..., input_dim) logits.

    Args:
        input_dim, output_dim, embeddings_initializer, embeddings_regularizer, embeddings_constraint,
        mask_zero: as Embedding.
        tie_weights: reverse with the transposed `embeddings` (True) or with a separate trainable
            `reverse_embeddings` matrix of shape (output_dim, input_dim).
        reverse_dtype: dtype of the reverse matmul (default: the layer's compute dtype).
        logit_soft_cap: if set, reverse logits become `tanh(logits / cap) * cap`.
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero, **kwargs)
        self.tie_weights = bool(tie_weights)
        if reverse_dtype is not None:
            try:
                torch_dtype(reverse_dtype)
            except (TypeError, ValueError, KeyError, AttributeError):
                raise ValueError(f"`reverse_dtype` must be a float dtype name such as 'float32' or None. "
                                 f"Received: reverse_dtype={reverse_dtype!r}") from None
        self.reverse_dtype = reverse_dtype
        if logit_soft_cap is not None and (isinstance(logit_soft_cap, bool)
                                           or not isinstance(logit_soft_cap, numbers.Real) or logit_soft_cap <= 0):
            raise ValueError(f"`logit_soft_cap` must be a positive number or None. "
                             f"Received: logit_soft_cap={logit_soft_cap!r}")
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings", trainable=True)

    def call(self, inputs, reverse=False):
        if not reverse:
            out = super().call(inputs)
            if self.mask_zero:
                out._keras_mask = inputs != 0
            return out
        kernel = self.torch_module.weight.t() if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            dtype = torch_dtype(self.reverse_dtype)
            inputs, kernel = inputs.to(dtype), kernel.to(dtype)
        elif not inputs.is_floating_point():
            inputs = inputs.to(kernel.dtype)
        elif inputs.dtype != kernel.dtype:
            target = torch_dtype(self.compute_dtype)
            inputs, kernel = inputs.to(target), kernel.to(target)
        logits = torch.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = torch.tanh(logits / cap) * cap
        return logits

    def compute_mask(self, inputs, mask=None):
        # The forward call attaches the id mask itself; a reverse call produces none.
        return None

    def compute_output_shape(self, input_shape, reverse=False):
        shape = list(input_shape)
        if reverse:
            shape[-1] = self.input_dim
        else:
            shape.append(self.output_dim)
        return tuple(shape)

    def compute_output_spec(self, inputs, reverse=False):
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse=reverse), self.compute_dtype)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                    "logit_soft_cap": self.logit_soft_cap})
        return cfg
