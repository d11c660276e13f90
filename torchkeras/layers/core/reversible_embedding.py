"""ReversibleEmbedding: an Embedding that can also project hidden states back to vocabulary logits."""

import numbers

import torch

from torchkeras.keras_tensor import KerasTensor, torch_dtype
from torchkeras.layers.core.embedding import Embedding
from torchkeras.quantizers.layer_support import drop_variable
from torchkeras.quantizers.quantization_config import QuantizationConfig
from torchkeras.quantizers.quantizers import AbsMaxQuantizer
from torchkeras.quantizers.reversible_support import build_reverse, quantized_reverse


class ReversibleEmbedding(Embedding):
    """Embedding whose `call(inputs, reverse=True)` maps (..., output_dim) to (..., input_dim) logits.

    Args:
        input_dim, output_dim, embeddings_initializer, embeddings_regularizer, embeddings_constraint,
        mask_zero: as Embedding.
        tie_weights: reverse with the transposed `embeddings` (True) or with a separate trainable
            `reverse_embeddings` matrix of shape (output_dim, input_dim).
        reverse_dtype: dtype of the reverse matmul (default: the layer's compute dtype).
        logit_soft_cap: if set, reverse logits become `tanh(logits / cap) * cap`.
    LoRA and `quantize("int8" | "int4")` follow Keras 3.15, the untied `reverse_embeddings` included
    (quantized per vocabulary column; reverse calls quantize their inputs per row by default).
    """

    _lq_quantizable = ("ReversibleEmbedding",)

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

    @property
    def _lq_spec(self):
        spec = {mode: list(names) for mode, names in Embedding._lq_spec.items()}
        if not self.tie_weights:
            for mode, names in spec.items():
                names.append("reverse_embeddings")
                if mode in ("int8", "int4"):
                    names.append("reverse_embeddings_scale")
                if mode == "int4":
                    names.append("reverse_embeddings_zero")
        return spec

    def _lq_build(self):
        # Runs at the end of Embedding.build, before LoRA and any deferred weight loading.
        if not self.tie_weights and self.quantization_mode not in ("int8", "int4"):
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings", trainable=True)
        super()._lq_build()
        if not self.tie_weights and self.quantization_mode is None:
            # As Keras: the untied matrix comes after any LoRA factors.
            rev = self._parameters["reverse_embeddings"]
            self._keras_vars[:] = [v for v in self._keras_vars if v is not rev] + [rev]

    def _lq_quantized_build(self, mode, config, weight=None):
        rev = None
        if mode in ("int8", "int4") and not self.tie_weights and "reverse_embeddings" in self._parameters:
            rev = self._parameters.pop("reverse_embeddings")
            drop_variable(self, rev)
            rev = rev.detach()
        super()._lq_quantized_build(mode, config, weight)
        if mode not in ("int8", "int4"):
            return
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, AbsMaxQuantizer(axis=-1))
        if not self.tie_weights:
            build_reverse(self, mode, config, rev)

    def call(self, inputs, reverse=False):
        if not reverse:
            out = super().call(inputs)
            if self.mask_zero:
                out._keras_mask = inputs != 0
            return out
        kernel = self.torch_module.weight.t() if self.tie_weights else self.reverse_embeddings
        return self._reverse_float(inputs, kernel)

    def _lq_call(self, inputs, reverse=False):
        if not reverse:
            out = super()._lq_call(inputs)
            if self.mask_zero:
                out._keras_mask = inputs != 0
            return out
        if self.quantization_mode is None:
            kernel = self.embeddings.t() if self.tie_weights else self.reverse_embeddings
            return self._reverse_float(inputs, kernel)
        return self._soft_cap(quantized_reverse(self, inputs))

    def _reverse_float(self, inputs, kernel):
        if self.reverse_dtype is not None:
            dtype = torch_dtype(self.reverse_dtype)
            inputs, kernel = inputs.to(dtype), kernel.to(dtype)
        elif not inputs.is_floating_point():
            inputs = inputs.to(kernel.dtype)
        elif inputs.dtype != kernel.dtype:
            target = torch_dtype(self.compute_dtype)
            inputs, kernel = inputs.to(target), kernel.to(target)
        return self._soft_cap(torch.matmul(inputs, kernel))

    def _soft_cap(self, logits):
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
