"""MultiHeadAttention: Keras's layer (EinsumDense projections in Keras layout) on torch's fused SDPA."""

import math
import numbers

import torch

from torchkeras import config, constraints, initializers, regularizers
from torchkeras.dtype_policies import DTypePolicyMap
from torchkeras.layers.activations.softmax import Softmax
from torchkeras.layers.attention import _equations as eq
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
from torchkeras.layers.core.dropout import Dropout
from torchkeras.layers.core.einsum_dense import EinsumDense
from torchkeras.random import SeedGenerator


def _check_dim(value, arg, allow_none=False):
    if allow_none and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        extra = " or `None`" if allow_none else ""
        raise ValueError(f"Received an invalid value for argument `{arg}`, expected a positive integer{extra}. "
                         f"Received: {arg}={value}")
    return int(value)


def _module_alias(name):
    return property(lambda self: self._modules[name])


class MultiHeadAttention(QueryValueLayer):
    """Multi-head attention (Vaswani et al., 2017), Keras's weights, masks and numerics.

    Call `layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`; Keras masks carried by `query`/`value`/`key` (e.g. from
    `Embedding(mask_zero=True)`) are combined with `attention_mask`, the causal mask and the
    sliding window. Weights: `query`, `key`, (`gate`,) `value`, `attention_output` EinsumDense
    sub-layers with kernels (dim, heads, head_dim) / (heads, head_dim, out), as Keras.
    Unless scores are returned or dropout is applied (training with `dropout > 0`), 3-D inputs run
    through `F.scaled_dot_product_attention`, with Keras's numbers for fully masked rows on each path.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        num_heads = _check_dim(num_heads, "num_heads")
        key_dim = _check_dim(key_dim, "key_dim")
        value_dim = _check_dim(value_dim, "value_dim", allow_none=True)
        policy_map = kwargs.get("dtype") if isinstance(kwargs.get("dtype"), DTypePolicyMap) else None
        if policy_map is not None:
            kwargs["dtype"] = policy_map.default_policy
        super().__init__(**kwargs)
        # As Keras: each projection takes its policy (e.g. a quantized one) from the map by its path.
        self._policy_map = policy_map
        self.supports_masking = True
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the `output_shape` "
                                 "should be of type tuple, list, or int.") from None
        self._output_shape = output_shape
        self._flash_attention = flash_attention or config.is_flash_attention_enabled()
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"`attention_axes` must be an int, list, or tuple. Received: "
                             f"attention_axes={attention_axes}")
        self._attention_axes = attention_axes
        self._sliding_window = validate_sliding_window(sliding_window)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))
        if self._flash_attention and self._dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    # The projections live in torch's registry under their public names (query_dense, ...): Keras
    # saves them there (its public properties are visited before the private attributes), and
    # `_query_dense` & co. stay available as in Keras.
    _query_dense = _module_alias("query_dense")
    _key_dense = _module_alias("key_dense")
    _value_dense = _module_alias("value_dense")
    _output_dense = _module_alias("output_dense")

    def _common(self, name=None):
        dtype = self.dtype_policy
        if self.__dict__.get("_policy_map") is not None:
            dtype = self._policy_map[f"{self.name}/{name}"] if name else self._policy_map.default_policy
        return sublayer_kwargs(dtype, self._kernel_initializer, self._bias_initializer,
                               self._kernel_regularizer, self._bias_regularizer, self._activity_regularizer,
                               self._kernel_constraint, self._bias_constraint)

    def _projection(self, input_shape, heads_dims, name, **extra):
        equation, bias_axes, out_rank = eq.build_proj_equation(len(input_shape) - 1, bound_dims=1, output_dims=2)
        layer = EinsumDense(equation, output_shape=eq.partial_output_shape(out_rank - 1, heads_dims),
                            bias_axes=bias_axes if self._use_bias else None, name=name, **extra, **self._common(name))
        layer.build(input_shape)
        return layer, out_rank

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        self._record_shapes(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        _check_value_key(value_shape, key_shape)
        self.query_dense, out_rank = self._projection(query_shape, [self._num_heads, self._key_dim], "query")
        self.key_dense, _ = self._projection(key_shape, [self._num_heads, self._key_dim], "key")
        if self._use_gate:
            self._gate_dense, _ = self._projection(query_shape, [self._num_heads, self._value_dim], "gate",
                                                   activation="sigmoid")
        self.value_dense, _ = self._projection(value_shape, [self._num_heads, self._value_dim], "value")
        self._build_attention(out_rank)
        out_dims = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        equation, bias_axes, rank = eq.build_proj_equation(len(query_shape) - 1, bound_dims=2,
                                                           output_dims=len(out_dims))
        self.output_dense = EinsumDense(equation, output_shape=eq.partial_output_shape(rank - 1, out_dims),
                                         bias_axes=bias_axes if self._use_bias else None, name="attention_output",
                                         **self._common("attention_output"))
        dense_in = list(self._query_dense.compute_output_shape(query_shape))
        dense_in[-1] = self._value_dim
        self._output_dense.build(tuple(dense_in))

    def _build_attention(self, rank):
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = eq.build_attention_equation(
            rank, self._attention_axes)
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype_policy, seed=self.seed)
        # The scores' dropout draws from the Dropout sub-layer's stream: as in Keras, the layer holds
        # one SeedGenerator in all (the attribute is a second name for it).
        self.seed_generator = getattr(self._dropout_layer, "seed_generator", None)
        if self.seed_generator is None and self._dropout > 0:
            self.seed_generator = SeedGenerator(self.seed)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        # As Keras: the query mask always comes from the query tensor; the value/key masks from the
        # arguments or else their tensors; then the masks are taken off the inputs (this layer
        # consumed them) and the query's goes to the output.
        if value_mask is None:
            value_mask = value.__dict__.get("_keras_mask")
        if key is None:
            key = value
        elif key_mask is None:
            key_mask = key.__dict__.get("_keras_mask")
        query_mask = query.__dict__.get("_keras_mask")
        for t in (query, value, key):
            t.__dict__.pop("_keras_mask", None)
        causal_only = (use_causal_mask and query_mask is None and value_mask is None and key_mask is None
                       and attention_mask is None and self._sliding_window is None
                       and type(self)._compute_attention is MultiHeadAttention._compute_attention)
        if causal_only:
            attention_mask = None
        else:
            attention_mask = self._compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                                          attention_mask, use_causal_mask)
        gate = self._project(self._gate_dense, query) if self._use_gate else None
        q = self._project(self._query_dense, query)
        k = self._project(self._key_dense, key)
        v = self._project(self._value_dense, value)
        extra = {"use_causal_mask": True} if causal_only else {}
        out, scores = self._compute_attention(q, k, v, attention_mask, training, return_attention_scores, **extra)
        out = self._project(self._output_dense, out * gate if gate is not None else out)
        if return_attention_scores:
            return out, scores
        return out

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None, key_mask=None,
                                attention_mask=None, use_causal_mask=False):
        return combine_masks(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                             use_causal_mask, self._sliding_window)

    def _compute_causal_mask(self, query, value=None):
        q_len = query.shape[1]
        v_len = q_len if value is None else value.shape[1]
        return causal_mask(q_len, v_len, query.device if isinstance(query, torch.Tensor) else None)

    def _expand_mask(self, mask, rank):
        axis = -len(self._attention_axes) * 2 - 1
        while mask.dim() < rank:
            mask = mask.unsqueeze(axis)
        return mask

    def _masked_softmax(self, attention_scores, attention_mask=None):
        if attention_mask is not None:
            attention_mask = self._expand_mask(as_bool(attention_mask), attention_scores.dim())
        return self._softmax.call(attention_scores, mask=attention_mask)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        if self._flash_attention and return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash attention is enabled. "
                             "Please disable flash attention to access attention scores.")
        query, key, value = as_tensor(query), as_tensor(key), as_tensor(value)
        if attention_mask is not None:
            attention_mask = as_bool(attention_mask).to(query.device)
        # Keras runs its softmax-layer path whenever the layer has dropout, even where none is
        # applied (inference). There the fused kernel gives the same numbers, to rounding, once a
        # fully masked query row gets zero weights as that path gives it.
        dropout_on = self._dropout > 0.0 and training
        if not (dropout_on or return_attention_scores or query.dim() != 4):
            mask = None if attention_mask is None else self._expand_mask(attention_mask, 4)
            return dot_product_attention(query, key, value, mask, self._inverse_sqrt_key_dim, use_causal_mask,
                                         zero_masked_rows=self._dropout > 0.0), None
        if use_causal_mask:
            causal = self._compute_causal_mask(query, value)
            attention_mask = causal if attention_mask is None else attention_mask & causal
        query = query * self._inverse_sqrt_key_dim
        scores = torch.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        dropped = scores
        if self._dropout > 0.0 and training:
            dropped = seeded_dropout(scores, self._dropout, self.seed_generator)
        return torch.einsum(self._combine_equation, dropped, value), scores

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        _check_value_key(value_shape, key_shape)
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        shape = self.compute_output_shape(query.shape, value.shape, None if key is None else key.shape)
        scores = None
        if return_attention_scores:
            length = query.shape[1]  # Keras's spec uses the query length on both score axes
            scores = (query.shape[0], self._num_heads, length, length)
        return output_spec(shape, self.compute_dtype, scores)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim, "value_dim": self._value_dim,
            "dropout": self._dropout, "use_bias": self._use_bias, "use_gate": self._use_gate,
            "output_shape": self._output_shape, "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return cfg


def _check_value_key(value_shape, key_shape):
    if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
        raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                         f"Received: value_shape={value_shape} and key_shape={key_shape}")
