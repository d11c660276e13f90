"""Shared machinery of the query/value/key attention layers (MultiHeadAttention, GroupQueryAttention).

Keras calls these layers as `layer(query, value, key=None, ...)` (positionally or by keyword) and
builds them with `build(query_shape, value_shape, key_shape=None)`; the Layer base knows one input,
so `forward` here routes all three tensors through conversion, building, symbolic recording and
`call`.
"""

import numpy as np
import torch
import torch.nn.functional as F

from torchkeras.keras_tensor import KerasTensor, any_symbolic
from torchkeras.layers.layer import Layer, standardize_shape

# Keras's TF backend replaces masked logits by -0.7 * the dtype's max before the softmax, so a
# fully masked row becomes a uniform distribution (not NaN, not zeros). As an additive mask the
# constant swallows any finite logit, which gives the same result inside torch's fused kernel.
_LARGE_NEG = {torch.float16: -0.7 * 65500.0}
_LARGE_NEG_DEFAULT = -0.7 * 3.38953e38


def as_tensor(x, like=None):
    """numpy / Python values (Keras tests pass them to the private helpers) as torch tensors."""
    if x is None or isinstance(x, torch.Tensor):
        return x
    if hasattr(x, "value") and isinstance(getattr(x, "value"), torch.Tensor):
        return x.value
    arr = np.asarray(x)
    t = torch.from_numpy(arr.astype(np.float32) if arr.dtype == np.float64 else arr)
    return t.to(like.device) if like is not None else t


def as_bool(mask):
    mask = as_tensor(mask)
    return mask if mask.dtype == torch.bool else mask != 0


def clone_initializer(init):
    """A fresh copy per sub-layer (Keras does this so stateless seeded initializers differ per use)."""
    try:
        return type(init)(**init.get_config())
    except (TypeError, ValueError, AttributeError):
        return init


def causal_mask(q_len, v_len, device):
    """(1, T, S) lower-triangular boolean mask (query i sees keys j <= i)."""
    return torch.ones((q_len, v_len), dtype=torch.bool, device=device).tril().unsqueeze(0)


def sliding_window_mask(q_len, v_len, window, device):
    rows = torch.arange(q_len, device=device).view(1, q_len, 1)
    cols = torch.arange(v_len, device=device).view(1, 1, v_len)
    return (rows - cols).abs() < window


def seeded_dropout(x, rate, seed_generator):
    """Inverted dropout drawing from the layer's SeedGenerator (Keras's `seed=` reproducibility)."""
    if seed_generator is None:
        return F.dropout(x, rate, training=True)
    gen = seed_generator.generator
    if x.device.type != "cpu":
        gen = torch.Generator(device=x.device).manual_seed(seed_generator.next())
    keep = torch.rand(x.shape, generator=gen, device=x.device, dtype=x.dtype) >= rate
    return torch.where(keep, x / (1.0 - rate), torch.zeros((), dtype=x.dtype, device=x.device))


def check_mask_broadcast(mask, shape, what="attention_mask"):
    if mask.dim() > len(shape) or any(m != 1 and m != s for m, s in zip(reversed(mask.shape), reversed(shape))):
        raise ValueError(f"The `{what}` must be broadcastable to the attention scores of shape {tuple(shape)} "
                         f"(batch, heads, query length, key length); each of its axes must be 1 or match. "
                         f"Received: {what}.shape={tuple(mask.shape)} (the combined mask, heads axis added).")


def dot_product_attention(query, key, value, mask, scale, is_causal, zero_masked_rows=False):
    """Keras's `ops.dot_product_attention` on (B, T, N, H) tensors through torch's fused SDPA.

    `zero_masked_rows`: give a fully masked query row zero weights (its output 0, no gradient), as
    the softmax-layer path does, instead of dot_product_attention's uniform average. With that,
    the result is the softmax-layer path's (`einsum`, masked softmax, `einsum`) to rounding."""
    q, k, v = query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2)
    attn_mask = None
    if mask is not None:
        check_mask_broadcast(mask, (q.shape[0], q.shape[1], q.shape[2], k.shape[2]))
        if is_causal:
            mask = mask & causal_mask(q.shape[2], k.shape[2], q.device)
        # Keras's where() gives a fully masked row constant logits: uniform weights and no gradient
        # to its query or to the keys. A zeroed query row with nothing masked gives exactly that (a
        # row of huge negatives would not: the fused backward loses it in the log-sum-exp).
        row_any = mask.any(dim=-1, keepdim=True)
        neg = _LARGE_NEG.get(q.dtype, _LARGE_NEG_DEFAULT)
        attn_mask = torch.zeros(mask.shape, dtype=q.dtype, device=q.device).masked_fill_(~(mask | ~row_any), neg)
        q = q * row_any.to(q.dtype)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal and mask is None,
                                         scale=scale)
    if zero_masked_rows and mask is not None:
        out = out * row_any.to(out.dtype)
    return out.transpose(1, 2)


class QueryValueLayer(Layer):
    """Base of layers called as `layer(query, value, key=None, **call_kwargs)`."""

    def forward(self, query=None, value=None, key=None, *args, **kwargs):
        if args:
            raise TypeError(f"{type(self).__name__} takes `query`, `value` and `key` positionally; pass the other "
                            f"call arguments by keyword. Received {len(args)} extra positional arguments.")
        if query is None or value is None:
            raise ValueError(f"{type(self).__name__} needs both `query` and `value` tensors: "
                             "call it as `layer(query, value)` or `layer(query=..., value=...)`.")
        if any_symbolic((query, value, key)):
            if not self.built:
                self._build_qvk(query.shape, value.shape, None if key is None else key.shape)
            return self._symbolic_call(query, value, key, **kwargs)
        query, value = self._convert_input(query), self._convert_input(value)
        key = None if key is None else self._convert_input(key)
        if not self.built:
            def batchless(t):
                return (None,) + tuple(t.shape[1:])
            self._build_qvk(batchless(query), batchless(value), None if key is None else batchless(key),
                            query.device)
        return self._run_call(query, (value, key), kwargs)

    def _build_qvk(self, query_shape, value_shape, key_shape=None, device=None):
        if device is not None and device.type != "cpu":
            self._device_cache = device
        self.build(standardize_shape(query_shape), standardize_shape(value_shape),
                   None if key_shape is None else standardize_shape(key_shape))
        self.built = True
        if device is not None and device.type != "cpu":
            self.to(device)

    def _record_shapes(self, query_shape, value_shape, key_shape):
        shapes = {"query_shape": tuple(query_shape), "value_shape": tuple(value_shape)}
        if key_shape is not None:
            shapes["key_shape"] = tuple(key_shape)
        self._shapes_dict = shapes

    def get_build_config(self):
        shapes = getattr(self, "_shapes_dict", None)
        return {"shapes_dict": dict(shapes)} if shapes else None

    def build_from_config(self, cfg):
        if not cfg:
            return
        if "shapes_dict" in cfg:
            self._build_qvk(**cfg["shapes_dict"])
        elif cfg.get("input_shape") is not None:
            shapes = cfg["input_shape"]
            self._build_qvk(*shapes) if isinstance(shapes, list) else self._build_qvk(shapes, shapes)

    @staticmethod
    def _attach_mask(outputs, out_mask):
        # Keras attaches the query's mask to the attention output only, never to the scores.
        if isinstance(outputs, (list, tuple)):
            outputs = outputs[0]
        if isinstance(outputs, torch.Tensor):
            outputs._keras_mask = out_mask

    @staticmethod
    def _project(dense, x):
        # The sub-layer's call without the Layer wrapper (no mask, hooks or conversion to do here),
        # unless it has an activity regularizer or a mixed-precision cast to apply.
        if dense.activity_regularizer is None and dense._autocast_mode is None:
            return dense.call(x)
        return dense(x)


def output_spec(shape, dtype, scores_shape=None):
    out = KerasTensor(tuple(shape), dtype)
    if scores_shape is None:
        return out
    return out, KerasTensor(tuple(scores_shape), dtype)


def validate_sliding_window(sliding_window):
    if sliding_window is not None and (isinstance(sliding_window, bool) or not isinstance(sliding_window, int)
                                       or sliding_window <= 0):
        raise ValueError(f"`sliding_window` must be `None` or a positive integer. Received: "
                         f"sliding_window={sliding_window}")
    return sliding_window


def sublayer_kwargs(dtype, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                    activity_regularizer, kernel_constraint, bias_constraint):
    """The EinsumDense arguments Keras shares across the projections (each gets its own initializer)."""
    return dict(kernel_initializer=clone_initializer(kernel_initializer),
                bias_initializer=clone_initializer(bias_initializer), kernel_regularizer=kernel_regularizer,
                bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, dtype=dtype)


def combine_masks(layer, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
                  sliding_window):
    """Keras's mask merge: query (B, T, 1) & value/key (B, 1, S) & causal & sliding window (1, T, S),
    AND-ed with `attention_mask`."""
    query, value = as_tensor(query), as_tensor(value)
    device = query.device
    auto = None
    if query_mask is not None:
        auto = as_bool(query_mask).to(device).unsqueeze(-1)
    for m in (value_mask, key_mask):
        if m is not None:
            m = as_bool(m).to(device).unsqueeze(-2)
            auto = m if auto is None else auto & m
    if use_causal_mask:
        m = layer._compute_causal_mask(query, value)
        auto = m if auto is None else auto & m
    if sliding_window is not None:
        m = sliding_window_mask(query.shape[1], value.shape[1], sliding_window, device)
        auto = m if auto is None else auto & m
    if attention_mask is not None:
        attention_mask = as_bool(attention_mask).to(device)
    if auto is not None:
        attention_mask = auto if attention_mask is None else attention_mask & auto
    return attention_mask
