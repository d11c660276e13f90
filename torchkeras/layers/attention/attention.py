"""Attention: Luong-style dot-product (or concat) attention over `[query, value(, key)]`, as Keras."""

import torch

from torchkeras.keras_tensor import KerasTensor
from torchkeras.layers.attention._qkv import as_bool, as_tensor, causal_mask, seeded_dropout
from torchkeras.layers.layer import Layer
from torchkeras.random import SeedGenerator


class Attention(Layer):
    """Dot-product attention layer.

    Args:
        use_scale: learn a scalar `scale` multiplying the scores.
        score_mode: "dot" (`query @ key^T`) or "concat" (`sum(tanh(query + key))`, with a learnt
            `concat_score_weight`).
        dropout: fraction of the attention weights dropped in training.
        seed: seed of the dropout.

    Call: `layer([query, value(, key)], mask=[query_mask, value_mask], return_attention_scores=False,
    training=None, use_causal_mask=False)`. Output (batch, Tq, dim); masked query steps give 0.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if self.score_mode not in ["dot", "concat"]:
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                             f"Received: score_mode={score_mode}")
        if self.dropout > 0:
            self.seed_generator = SeedGenerator(seed=seed)
        self.supports_masking = True

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones", trainable=True)
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones",
                                                       trainable=True)

    def _calculate_scores(self, query, key):
        query, key = as_tensor(query), as_tensor(key)
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        q, k = query.unsqueeze(-2), key.unsqueeze(-3)
        summed = q + k if self.scale is None else self.scale * (q + k)
        return self.concat_score_weight * torch.tanh(summed).sum(dim=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        scores, value = as_tensor(scores), as_tensor(value)
        if scores_mask is not None:
            padding = ~as_bool(scores_mask).to(scores.device)
            max_value = 65504.0 if scores.dtype == torch.float16 else 1.0e9
            if padding.dim() == 2:
                padding = padding.unsqueeze(-2)
            # Keras subtracts a large number (it does not replace): fully masked rows keep their order.
            scores = torch.where(padding, scores - max_value, scores)
        weights = torch.softmax(scores, dim=-1)
        if training and self.dropout > 0:
            weights = seeded_dropout(weights, self.dropout, self.seed_generator)
        return torch.matmul(weights, value), weights

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        if not use_causal_mask:
            return v_mask
        scores = as_tensor(scores)
        mask = causal_mask(scores.shape[-2], scores.shape[-1], scores.device)
        if v_mask is not None:
            return as_bool(v_mask).to(scores.device).unsqueeze(-2) & mask
        return mask

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(q, k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        out, weights = self._apply_scores(scores, v, scores_mask, training)
        if q_mask is not None:
            keep = as_bool(q_mask).to(out.device).unsqueeze(-1)
            out = torch.where(keep, out, torch.zeros((), dtype=out.dtype, device=out.device))
        if return_attention_scores:
            return out, weights
        return out

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return as_tensor(mask[0])

    @staticmethod
    def _attach_mask(outputs, out_mask):
        # Keras masks the attention output only, not the returned scores.
        out = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
        if isinstance(out, torch.Tensor):
            out._keras_mask = out_mask

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        out = KerasTensor(self.compute_output_shape([query.shape, value.shape, key.shape]), self.compute_dtype)
        if return_attention_scores:
            return out, KerasTensor((*query.shape[:-1], key.shape[-2]), self.compute_dtype)
        return out

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                             f"[query, value, key]. Received length: {len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                                 f"Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: inputs={inputs}, "
                                 f"mask={mask}.")

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"use_scale": self.use_scale, "score_mode": self.score_mode, "dropout": self.dropout,
                    "seed": self.seed})
        return cfg
