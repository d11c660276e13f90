"""AdditiveAttention: Bahdanau-style attention, `sum(scale * tanh(query + key))` scores, as Keras."""

import torch

from torchkeras.layers.attention._qkv import as_tensor
from torchkeras.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention layer.

    Args:
        use_scale: learn a per-feature `scale` vector (glorot_uniform, shape (dim,)) multiplying
            the tanh terms; otherwise they are summed as they are.
        dropout: fraction of the attention weights dropped in training.

    Call as Attention: `layer([query, value(, key)], mask=[query_mask, value_mask], ...)`.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform", trainable=True)

    def _calculate_scores(self, query, key):
        query, key = as_tensor(query), as_tensor(key)
        terms = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.use_scale:
            terms = self.scale * terms
        return terms.sum(dim=-1)

    def get_config(self):
        cfg = super().get_config()
        del cfg["score_mode"]
        return cfg
