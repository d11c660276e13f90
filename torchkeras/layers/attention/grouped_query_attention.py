"""GroupedQueryAttention (keras.layers.GroupQueryAttention): key/value heads shared by groups of query heads."""

import math

import torch

from torchkeras import config, constraints, initializers, regularizers
from torchkeras.layers.activations.softmax import Softmax
from torchkeras.layers.attention._qkv import (
    QueryValueLayer,
    as_bool,
    as_tensor,
    causal_mask,
    combine_masks,
    dot_product_attention,
    output_spec,
    seeded_dropout,
    sublayer_kwargs,
    validate_sliding_window,
)
from torchkeras.layers.attention.multi_head_attention import _check_dim
from torchkeras.layers.core.dropout import Dropout
from torchkeras.layers.core.einsum_dense import EinsumDense
from torchkeras.random import SeedGenerator


class GroupedQueryAttention(QueryValueLayer):
    """Grouped-query attention (Ainslie et al., 2023) with Keras's weights, masks and numerics.

    `num_key_value_heads` key/value heads are each repeated for `num_query_heads //
    num_key_value_heads` query heads (1 kv head: multi-query attention). Weights: `query`
    (dim, num_query_heads, head_dim), `key`/`value` (dim, num_key_value_heads, head_dim), (`gate`,)
    `attention_output` (num_query_heads, head_dim, dim) EinsumDense sub-layers. Call as
    MultiHeadAttention; explicit `query_mask`/`value_mask`/`key_mask` arguments are honoured.
    """

    # Keras serializes this class under its export name, not its class name.
    _keras_class_name = "GroupQueryAttention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        # Unlike MultiHeadAttention, Keras regularizes this layer's own outputs too, not only the projections'.
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.head_dim = _check_dim(head_dim, "head_dim")
        self.num_query_heads = _check_dim(num_query_heads, "num_query_heads")
        self.num_key_value_heads = _check_dim(num_key_value_heads, "num_key_value_heads")
        if self.num_query_heads % self.num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`. Received: "
                             f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}.")
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = validate_sliding_window(sliding_window)
        self._flash_attention = flash_attention or config.is_flash_attention_enabled()
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(self.head_dim))
        self._return_attention_scores = False
        if self._flash_attention and self.dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")

    def _dense(self, equation, output_shape, bias_axes, name, **extra):
        common = sublayer_kwargs(self.dtype_policy, self.kernel_initializer, self.bias_initializer,
                                 self.kernel_regularizer, self.bias_regularizer, self.activity_regularizer,
                                 self.kernel_constraint, self.bias_constraint)
        return EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes if self.use_bias else None,
                           name=name, **extra, **common)

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        self._record_shapes(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self.feature_dim = query_shape[-1]
        nq, nkv, hd = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._dense("bqm,muh->bquh", (None, nq, hd), "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", (None, nkv, hd), "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", (None, nq, hd), "uh", "gate", activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._dense("bkm,mvh->bkvh", (None, nkv, hd), "vh", "value")
        self._value_dense.build(value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self.dropout, dtype=self.dtype_policy, seed=self.seed)
        # One SeedGenerator in all, as Keras: the Dropout sub-layer's (the attribute is a second name).
        self.seed_generator = getattr(self._dropout_layer, "seed_generator", None)
        if self.seed_generator is None and self.dropout > 0:
            self.seed_generator = SeedGenerator(self.seed)
        self._dot_product_equation = "bquh,bkuh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self._output_dense = self._dense("bquh,uhm->bqm", (None, self.feature_dim), "m", "attention_output")
        self._output_dense.build((None, None, nq, hd))

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        # Keras fills missing `<name>_mask` arguments from the tensors' Keras masks.
        if query_mask is None:
            query_mask = query.__dict__.get("_keras_mask")
        if value_mask is None:
            value_mask = value.__dict__.get("_keras_mask")
        if key is None:
            key = value
        elif key_mask is None:
            key_mask = key.__dict__.get("_keras_mask")
        self._return_attention_scores = return_attention_scores
        causal_only = (use_causal_mask and query_mask is None and value_mask is None and key_mask is None
                       and attention_mask is None and self.sliding_window is None
                       and type(self)._compute_attention is GroupedQueryAttention._compute_attention)
        if causal_only:
            attention_mask = None
        else:
            attention_mask = self._compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                                          attention_mask, use_causal_mask)
        gate = self._project(self._gate_dense, query) if self.use_gate else None
        q = self._project(self._query_dense, query)
        k = self._project(self._key_dense, key)
        v = self._project(self._value_dense, value)
        if self.num_repeats > 1:
            k = k.repeat_interleave(self.num_repeats, dim=2)
            v = v.repeat_interleave(self.num_repeats, dim=2)
        extra = {"use_causal_mask": True} if causal_only else {}
        out, scores = self._compute_attention(q, k, v, attention_mask=attention_mask, training=training, **extra)
        out = self._project(self._output_dense, out * gate if gate is not None else out)
        if return_attention_scores:
            return out, scores
        return out

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None, key_mask=None,
                                attention_mask=None, use_causal_mask=False):
        return combine_masks(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                             use_causal_mask, self.sliding_window)

    def _compute_causal_mask(self, query, value=None):
        q_len = query.shape[1]
        return causal_mask(q_len, q_len if value is None else value.shape[1], as_tensor(query).device)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None, use_causal_mask=False):
        if self._flash_attention and self._return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash attention is enabled. "
                             "Please disable flash attention to access attention scores.")
        query, key, value = as_tensor(query), as_tensor(key), as_tensor(value)
        if attention_mask is not None:
            attention_mask = as_bool(attention_mask).to(query.device)
        # As MultiHeadAttention: the fused kernel also where dropout is configured but off (inference).
        dropout_on = self.dropout > 0.0 and training
        if not (dropout_on or self._return_attention_scores or query.dim() != 4):
            mask = attention_mask
            if mask is not None:
                while mask.dim() < 4:
                    mask = mask.unsqueeze(-3)
            return dot_product_attention(query, key, value, mask, self._inverse_sqrt_head_dim, use_causal_mask,
                                         zero_masked_rows=self.dropout > 0.0), None
        if use_causal_mask:
            causal = self._compute_causal_mask(query, value)
            attention_mask = causal if attention_mask is None else attention_mask & causal
        query = query * self._inverse_sqrt_head_dim
        scores = torch.einsum(self._dot_product_equation, query, key)
        scores = self._masked_softmax(scores, attention_mask)
        dropped = scores
        if self.dropout > 0.0 and training:
            dropped = seeded_dropout(scores, self.dropout, self.seed_generator)
        return torch.einsum(self._combine_equation, dropped, value), scores

    def _masked_softmax(self, scores, attention_mask=None):
        if attention_mask is not None:
            attention_mask = as_bool(attention_mask)
            while attention_mask.dim() < scores.dim():
                attention_mask = attention_mask.unsqueeze(-3)
        return self._softmax.call(scores, mask=attention_mask)

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError("The last dimension of `query_shape` and `value_shape` must be equal, but are "
                             f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                             f"value_shape={value_shape}")
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received: value_shape={value_shape} and key_shape={key_shape}")
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        shape = self.compute_output_shape(query.shape, value.shape, None if key is None else key.shape)
        scores = None
        if return_attention_scores:
            kv_len = value.shape[1] if key is None else key.shape[1]
            scores = (query.shape[0], self.num_query_heads, query.shape[1], kv_len)
        return output_spec(shape, self.compute_dtype, scores)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias, "use_gate": self.use_gate,
            "sliding_window": self.sliding_window, "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return cfg


# Keras's class is GroupedQueryAttention, exported as keras.layers.GroupQueryAttention.
GroupQueryAttention = GroupedQueryAttention
