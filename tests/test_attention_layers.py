"""MultiHeadAttention, GroupQueryAttention, Attention, AdditiveAttention, ReversibleEmbedding:
numpy-derived expectations (Keras's formulas and mask rules), errors, configs, the flash switch."""

import numpy as np
import pytest
import torch

import torchkeras as keras

RNG = np.random.default_rng(0)


def randn(*shape):
    return RNG.standard_normal(shape).astype("float32")


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_mha(q, v, weights, key_dim, mask=None, fused=True, k=None, repeats=1):
    """Keras's MultiHeadAttention on numpy. `fused`: Keras's dot_product_attention path (a fully
    masked row attends uniformly); otherwise its Softmax-layer path (masked weights are 0)."""
    k = v if k is None else k
    qk, qb, kk, kb, vk, vb, ok, ob = weights
    Q = np.einsum("btd,dnh->btnh", q, qk) + qb
    K = np.repeat(np.einsum("bsd,dnh->bsnh", k, kk) + kb, repeats, axis=2)
    V = np.repeat(np.einsum("bsd,dnh->bsnh", v, vk) + vb, repeats, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", Q, K) / np.sqrt(key_dim)
    if mask is None:
        p = np_softmax(logits)
    else:
        m = np.broadcast_to(mask[:, None] if mask.ndim == 3 else mask, logits.shape)
        if fused:
            p = np_softmax(np.where(m, logits, -1e30))
        else:
            p = np.where(m, np_softmax(np.where(m, logits, -1e9)), 0.0)
    out = np.einsum("bnts,bsnh->btnh", p, V)
    return np.einsum("btnh,nhd->btd", out, ok) + ob, p


def close(a, b, tol=1e-5):
    a = a.detach().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# ---------------------------------------------------------------- MultiHeadAttention
def test_mha_weights_in_keras_layout_and_order():
    layer = keras.layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=5, output_shape=6)
    layer(randn(2, 7, 8), randn(2, 3, 10))
    shapes = [tuple(w.shape) for w in layer.get_weights()]
    assert shapes == [(8, 3, 4), (3, 4), (10, 3, 4), (3, 4), (10, 3, 5), (3, 5), (3, 5, 6), (6,)]
    assert [w.path for w in layer.weights][::2] == ["query/kernel", "key/kernel", "value/kernel",
                                                    "attention_output/kernel"]


@pytest.mark.parametrize("q_len,v_len", [(5, 3), (4, 4)])
def test_mha_matches_numpy(q_len, v_len):
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, bias_initializer="random_normal")
    q, v = randn(2, q_len, 8), randn(2, v_len, 8)
    out, scores = layer(q, v, return_attention_scores=True)
    expected, p = np_mha(q, v, layer.get_weights(), 4)
    close(out, expected)
    close(scores, p)
    close(layer(q, v), expected)


def test_mha_with_key_and_causal_mask():
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    q, v, k = randn(2, 4, 6), randn(2, 4, 6), randn(2, 4, 5)
    causal = np.tril(np.ones((4, 4), bool))[None]
    layer(q, v, k)
    expected, p = np_mha(q, v, layer.get_weights(), 3, causal, k=k)
    close(layer(q, v, k, use_causal_mask=True), expected)
    out, scores = layer(q, v, k, use_causal_mask=True, return_attention_scores=True)
    close(scores, p)
    assert float(scores.detach().numpy()[..., ~causal[0]].sum()) == 0.0


def test_mha_fully_masked_rows_follow_keras_paths():
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    q, v = randn(2, 3, 8), randn(2, 4, 8)
    mask = RNG.random((2, 3, 4)) < 0.6
    mask[0, 1] = False
    layer(q, v)
    w = layer.get_weights()
    # Fused path: a fully masked query row becomes a uniform average (Keras's dot_product_attention).
    close(layer(q, v, attention_mask=mask), np_mha(q, v, w, 4, mask)[0])
    # Softmax path (scores requested): the row's weights are 0, its output is the output bias.
    out, scores = layer(q, v, attention_mask=mask, return_attention_scores=True)
    expected, p = np_mha(q, v, w, 4, mask, fused=False)
    close(out, expected)
    close(scores, p)
    assert np.all(scores.detach().numpy()[0, :, 1] == 0.0)


def test_mha_fully_masked_row_has_no_query_gradient():
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    q = torch.randn(1, 3, 8, requires_grad=True)
    mask = np.ones((1, 3, 3), bool)
    mask[0, 2] = False
    layer(q, q.detach(), attention_mask=mask).sum().backward()
    assert torch.all(q.grad[0, 2] == 0) and torch.any(q.grad[0, :2] != 0)


def test_mha_masks_from_embeddings():
    q_ids = np.array([[1, 2, 3, 0, 0], [3, 3, 1, 1, 2], [1, 0, 0, 0, 0]])
    v_ids = np.array([[5, 4, 0], [3, 0, 0], [2, 1, 1]])
    q = keras.layers.Embedding(4, 8, mask_zero=True)(q_ids)
    v = keras.layers.Embedding(6, 8, mask_zero=True)(v_ids)
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)
    out = layer(q, v)
    combined = (q_ids != 0)[:, :, None] & (v_ids != 0)[:, None, :]
    close(out, np_mha(q.detach().numpy(), v.detach().numpy(), layer.get_weights(), 2, combined)[0])
    np.testing.assert_array_equal(out._keras_mask.numpy(), q_ids != 0)
    # As Keras: the layer consumed the input masks.
    assert getattr(q, "_keras_mask", None) is None and getattr(v, "_keras_mask", None) is None


def test_mha_embedding_masks_in_functional_model_with_causal():
    ids = keras.Input((5,), dtype="int64")
    x = keras.layers.Embedding(10, 8, mask_zero=True)(ids)
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    model = keras.Model(ids, mha(x, x, use_causal_mask=True))
    data = np.array([[1, 2, 3, 0, 0], [4, 0, 0, 0, 0]])
    emb = model.layers[1].get_weights()[0][data]
    m = (data != 0)[:, :, None] & (data != 0)[:, None, :] & np.tril(np.ones((5, 5), bool))
    close(model(data), np_mha(emb, emb, mha.get_weights(), 4, m)[0])


def test_mha_high_rank_attention_axes_equal_per_slice_attention():
    x = randn(2, 3, 4, 8)
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=2)
    out = layer(x, x).detach().numpy()
    for a in range(3):
        expected = np_mha(x[:, a], x[:, a], layer.get_weights(), 2)[0]
        close(out[:, a], expected)
    neg = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=-2)
    neg(x, x)
    neg.set_weights(layer.get_weights())
    close(neg(x, x), out)


def test_mha_output_shape_and_compute_output_shape():
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=16, output_shape=(8, 4))
    out = layer(query=randn(2, 4, 16), value=randn(2, 3, 16))
    assert tuple(out.shape) == (2, 4, 8, 4) == layer.compute_output_shape((2, 4, 16), (2, 3, 16))
    assert layer.compute_output_shape([2, 4, 16], [2, 3, 16], [2, 3, 5]) == (2, 4, 8, 4)


def test_mha_symbolic_call_and_config_round_trip():
    q, v = keras.Input((5, 8)), keras.Input((3, 8))
    layer = keras.layers.MultiHeadAttention(num_heads=4, key_dim=2, name="att")
    out, scores = layer(q, v, return_attention_scores=True)
    assert tuple(out.shape) == (None, 5, 8) and tuple(scores.shape) == (None, 4, 5, 5)  # Keras's spec
    model = keras.Model([q, v], out)
    x = [randn(2, 5, 8), randn(2, 3, 8)]
    close(model(x), np_mha(x[0], x[1], layer.get_weights(), 2)[0])
    clone = keras.layers.MultiHeadAttention.from_config(layer.get_config())
    clone.build_from_config(layer.get_build_config())
    clone.set_weights(layer.get_weights())
    close(clone(*x), model(x).detach().numpy())
    assert layer.get_build_config() == {"shapes_dict": {"query_shape": (None, 5, 8), "value_shape": (None, 3, 8)}}


def test_mha_dropout_only_in_training():
    q = randn(2, 4, 8)
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=1)
    close(layer(q, q), np_mha(q, q, layer.get_weights(), 4)[0])
    assert not np.allclose(layer(q, q, training=True).detach().numpy(), layer(q, q).detach().numpy())


@pytest.mark.parametrize("cls,kwargs", [("MultiHeadAttention", dict(num_heads=2, key_dim=4)),
                                         ("GroupQueryAttention", dict(head_dim=4, num_query_heads=2,
                                                                      num_key_value_heads=1))])
def test_attention_dropout_has_one_seeded_stream(cls, kwargs):
    # Keras's layer holds exactly one SeedGenerator (its Dropout sub-layer's); equal seeds, equal draws.
    q = randn(2, 4, 8)
    a, b = (getattr(keras.layers, cls)(dropout=0.5, seed=3, **kwargs) for _ in range(2))
    a(q, q)
    b(q, q)
    b.set_weights(a.get_weights())
    gens = {id(v) for m in a.modules() for v in vars(m).values() if isinstance(v, keras.random.SeedGenerator)}
    assert len(gens) == 1
    close(a(q, q, training=True), b(q, q, training=True).detach().numpy())


def test_mha_with_dropout_at_inference_keeps_the_softmax_path_numbers():
    # Keras runs its softmax-layer path whenever dropout > 0, also at inference, where a fully
    # masked query row gets zero weights (output = bias) rather than the fused path's uniform
    # average; the layer must give that result (and no gradient through the row) on any path.
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.3, bias_initializer="random_normal")
    q, v = randn(2, 3, 8), randn(2, 4, 8)
    mask = RNG.random((2, 3, 4)) < 0.6
    mask[0, 1] = False
    mask[1, 2] = [True, False, False, False]
    layer(q, v)
    expected, p = np_mha(q, v, layer.get_weights(), 4, mask, fused=False)
    close(layer(q, v, attention_mask=mask), expected)
    close(layer(q, v), np_mha(q, v, layer.get_weights(), 4)[0])
    out, scores = layer(q, v, attention_mask=mask, return_attention_scores=True)
    close(out, expected)
    close(scores, p)
    qt = torch.from_numpy(q).requires_grad_(True)
    layer(qt, v, attention_mask=mask).sum().backward()
    assert torch.all(qt.grad[0, 1] == 0) and torch.all(qt.grad[1, :2] != 0)


@pytest.mark.parametrize("arg", ["num_heads", "key_dim", "value_dim"])
@pytest.mark.parametrize("bad", [0, -2, 1.5])
def test_mha_invalid_dims_name_argument_and_value(arg, bad):
    kwargs = {"num_heads": 2, "key_dim": 2, arg: bad}
    with pytest.raises(ValueError, match=rf"argument `{arg}`, expected a positive integer.*{arg}={bad}"):
        keras.layers.MultiHeadAttention(**kwargs)


def test_mha_errors():
    with pytest.raises(ValueError, match="Invalid `output_shape`"):
        keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, output_shape=8.0)
    with pytest.raises(ValueError, match="sliding_window"):
        keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, sliding_window=0)
    with pytest.raises(ValueError, match="attention_axes"):
        keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes="1")
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)
    with pytest.raises(ValueError, match="must be equal"):
        layer(randn(2, 4, 8), randn(2, 2, 8), randn(2, 3, 8))
    with pytest.raises(ValueError, match="must be equal"):
        layer.compute_output_shape((2, 4, 8), (2, 2, 8), (2, 1, 7))
    with pytest.raises(ValueError, match="both `query` and `value`"):
        layer(randn(2, 4, 8))
    layer(randn(2, 4, 8), randn(2, 3, 8))
    with pytest.raises(ValueError, match=r"attention_mask.*broadcastable.*\(2, 2, 4, 3\).*\(2, 1, 4, 4\)"):
        layer(randn(2, 4, 8), randn(2, 3, 8), attention_mask=np.ones((2, 4, 4), bool))
    with pytest.raises(ValueError, match="mask.*broadcastable"):
        layer(randn(2, 4, 8), randn(2, 3, 8), attention_mask=np.ones((2, 4, 4), bool), return_attention_scores=True)


def test_flash_attention_switch():
    assert keras.config.is_flash_attention_enabled() is None
    keras.config.disable_flash_attention()
    try:
        assert keras.config.is_flash_attention_enabled() is False
        assert not keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)._flash_attention
    finally:
        keras.config.enable_flash_attention()
    with pytest.raises(ValueError, match="Dropout is not supported when flash attention is enabled"):
        keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, flash_attention=True, dropout=0.1)
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, flash_attention=True)
    q = randn(2, 4, 8)
    close(layer(q, q), np_mha(q, q, layer.get_weights(), 2)[0])
    with pytest.raises(ValueError, match="Returning attention scores is not supported"):
        layer(q, q, return_attention_scores=True)


# ---------------------------------------------------------------- GroupQueryAttention
@pytest.mark.parametrize("kv_heads", [1, 2, 4])
def test_gqa_matches_numpy_with_repeated_kv_heads(kv_heads):
    layer = keras.layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=kv_heads,
                                             bias_initializer="random_normal")
    q, v = randn(2, 5, 6), randn(2, 3, 6)
    out, scores = layer(q, v, return_attention_scores=True)
    assert tuple(layer.get_weights()[2].shape) == (6, kv_heads, 3)
    expected, p = np_mha(q, v, layer.get_weights(), 3, repeats=4 // kv_heads)
    close(out, expected)
    close(scores, p)
    mask = RNG.random((2, 5, 3)) < 0.5
    close(layer(q, v, attention_mask=mask), np_mha(q, v, layer.get_weights(), 3, mask, repeats=4 // kv_heads)[0])


def test_gqa_with_dropout_at_inference_zeroes_fully_masked_rows():
    layer = keras.layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, dropout=0.2,
                                             bias_initializer="random_normal")
    q, v = randn(2, 5, 6), randn(2, 3, 6)
    mask = RNG.random((2, 5, 3)) < 0.5
    mask[1, 3] = False
    layer(q, v)
    expected, _ = np_mha(q, v, layer.get_weights(), 3, mask, fused=False, repeats=2)
    close(layer(q, v, attention_mask=mask), expected)
    close(layer(q, v, attention_mask=mask, return_attention_scores=True)[0], expected)


def test_gqa_errors_and_explicit_masks():
    with pytest.raises(ValueError, match="divisible"):
        keras.layers.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=2)
    with pytest.raises(ValueError, match="num_query_heads.*positive integer.*num_query_heads=0"):
        keras.layers.GroupQueryAttention(head_dim=2, num_query_heads=0, num_key_value_heads=1)
    layer = keras.layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1)
    with pytest.raises(ValueError, match="must be equal"):
        layer.compute_output_shape((2, 4, 8), (2, 2, 7), 2)
    q = randn(2, 4, 8)
    q_mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    out = layer(q, q, query_mask=q_mask, value_mask=q_mask)
    close(out, np_mha(q, q, layer.get_weights(), 2, q_mask[:, :, None] & q_mask[:, None, :], repeats=2)[0])
    assert type(layer).__name__ == "GroupedQueryAttention" and layer.name.startswith("grouped_query_attention")


# ---------------------------------------------------------------- Attention / AdditiveAttention
def np_luong(q, v, scores, q_mask=None, v_mask=None, causal=False):
    m = np.ones(scores.shape, bool)
    if v_mask is not None:
        m &= v_mask[:, None, :]
    if causal:
        m &= np.tril(np.ones(scores.shape[-2:], bool))
    p = np_softmax(np.where(m, scores, scores - 1e9))
    out = p @ v
    if q_mask is not None:
        out = np.where(q_mask[..., None], out, 0.0)
    return out, p


@pytest.mark.parametrize("kwargs", [{}, {"use_scale": True}, {"score_mode": "concat"},
                                    {"score_mode": "concat", "use_scale": True}])
def test_attention_matches_numpy(kwargs):
    layer = keras.layers.Attention(**kwargs)
    q, v, k = randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 4)
    layer.build([q.shape, v.shape, k.shape])
    for w in layer.weights:
        w.assign(np.float32(1.7))
    if kwargs.get("score_mode") == "concat":
        t = np.tanh((1.7 if kwargs.get("use_scale") else 1.0) * (q[:, :, None] + k[:, None]))
        scores = 1.7 * t.sum(-1)
    else:
        scores = (q @ k.transpose(0, 2, 1)) * (1.7 if kwargs.get("use_scale") else 1.0)
    q_mask, v_mask = np.array([[1, 1, 0], [1, 0, 1]], bool), np.array([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0]], bool)
    out, p = layer([q, v, k], mask=[q_mask, v_mask], return_attention_scores=True, use_causal_mask=True)
    e_out, e_p = np_luong(q, v, scores, q_mask, v_mask, causal=True)
    close(out, e_out)
    close(p, e_p)
    np.testing.assert_array_equal(out._keras_mask.numpy(), q_mask)


def test_additive_attention_matches_numpy():
    layer = keras.layers.AdditiveAttention()
    q, v = randn(2, 3, 4), randn(2, 5, 4)
    out = layer([q, v])
    scale = layer.get_weights()[0]
    assert scale.shape == (4,)
    scores = (scale * np.tanh(q[:, :, None] + v[:, None])).sum(-1)
    close(out, np_luong(q, v, scores)[0])
    assert "score_mode" not in layer.get_config()


def test_attention_masks_from_embeddings_and_errors():
    q_ids, v_ids = np.array([[1, 2, 0]]), np.array([[3, 0, 4, 0]])
    q = keras.layers.Embedding(5, 4, mask_zero=True)(q_ids)
    v = keras.layers.Embedding(5, 4, mask_zero=True)(v_ids)
    out = keras.layers.Attention()([q, v])
    qn, vn = q.detach().numpy(), v.detach().numpy()
    close(out, np_luong(qn, vn, qn @ vn.transpose(0, 2, 1), q_ids != 0, v_ids != 0)[0])
    layer = keras.layers.Attention()
    t = randn(1, 2, 2)
    with pytest.raises(ValueError, match="must be called on a list"):
        layer(t)
    with pytest.raises(ValueError, match="length 2 or 3"):
        layer([t, t, t, t])
    with pytest.raises(ValueError, match="layer mask must be a list"):
        layer([t, t], mask=t)
    with pytest.raises(ValueError, match="Expected one of {'dot', 'concat'}"):
        keras.layers.Attention(score_mode="bad")


# ---------------------------------------------------------------- ReversibleEmbedding
@pytest.mark.parametrize("tie", [True, False])
def test_reversible_embedding(tie):
    layer = keras.layers.ReversibleEmbedding(6, 3, tie_weights=tie, logit_soft_cap=0.5, mask_zero=True)
    ids = np.array([[1, 0, 5]])
    h = layer(ids)
    emb = layer.get_weights()[0]
    close(h, emb[ids])
    np.testing.assert_array_equal(h._keras_mask.numpy(), ids != 0)
    hidden = randn(2, 3)
    kernel = emb.T if tie else layer.get_weights()[1]
    assert len(layer.weights) == (1 if tie else 2)
    logits = layer(hidden, reverse=True)
    close(logits, np.tanh(hidden @ kernel / 0.5) * 0.5)
    assert getattr(logits, "_keras_mask", None) is None
    assert layer.compute_output_shape((None, 4, 3), reverse=True) == (None, 4, 6)
    assert keras.layers.ReversibleEmbedding.from_config(layer.get_config()).tie_weights == tie


def test_reversible_embedding_functional_and_reverse_dtype():
    ids = keras.Input((4,), dtype="int64")
    layer = keras.layers.ReversibleEmbedding(7, 3, reverse_dtype="float64")
    logits = layer(layer(ids), reverse=True)
    assert tuple(logits.shape) == (None, 4, 7)
    out = layer(randn(2, 3), reverse=True)
    assert out.dtype == torch.float64
    with pytest.raises(ValueError, match="logit_soft_cap"):
        keras.layers.ReversibleEmbedding(7, 3, logit_soft_cap=-1.0)
