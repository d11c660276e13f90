"""Attention family: EinsumDense (many equations), ReversibleEmbedding, MultiHeadAttention and
GroupQueryAttention (functional models so query/value/key, call arguments, Keras masks from
Embedding(mask_zero=True) and returned attention scores are all exercised), Attention and
AdditiveAttention, and a small Transformer text classifier trained with fit().

Masks are drawn with fully masked rows on purpose: Keras's fused path turns them into a uniform
distribution and its softmax path into zeros, and both must be reproduced.
"""

import numpy as np

from conformance.case import Case, family, layer_case

CASES = []

# ---------------------------------------------------------------- EinsumDense
EINSUM = [
    # (id, equation, output_shape, bias_axes, input batch shape, extra kwargs)
    ("dense", "ab,bc->ac", 4, "c", (3, 5), {}),
    ("dense_nobias", "ab,bc->ac", (4,), None, (3, 5), {}),
    ("seq", "abc,cd->abd", (None, 4), "d", (2, 3, 5), {}),
    ("seq_relu", "abc,cd->abd", (None, 4), "d", (2, 3, 5), {"activation": "relu"}),
    ("heads_proj", "abc,cde->abde", (None, 3, 2), "de", (2, 4, 6), {}),
    ("heads_proj_bias_d", "abc,cde->abde", (None, 3, 2), "d", (2, 4, 6), {}),
    ("heads_out", "abcd,cde->abe", (None, 5), "e", (2, 4, 3, 2), {}),
    ("ab_bcd", "ab,bcd->acd", (8, 3), "d", (2, 5), {}),
    ("ab_bcd_bias_c", "ab,bcd->acd", (8, 3), "c", (2, 5), {}),
    ("left_ellipsis", "...b,bc->...c", 6, "c", (2, 3, 4), {}),
    ("left_ellipsis_rank4", "...b,bc->...c", 6, None, (2, 3, 2, 4), {}),
    ("left_ellipsis_3d", "...c,cde->...de", (3, 4), "de", (2, 1, 2), {}),
    ("left_ellipsis_input_used", "...bc,bc->...b", (3,), None, (2, 3, 4), {}),
    ("postcast", "bc...,cd->bd...", (4,), None, (2, 1, 2, 3), {}),
    ("postcast_bias_de", "bc...,cde->bde...", (3, 4), "de", (2, 1, 2), {}),
    ("postcast_bias_d", "bc...,cde->bde...", (3, 4), "d", (2, 1, 2), {}),
    ("per_position_weights", "abc,bc->ab", (5,), "b", (2, 5, 4), {}),
    ("kernel_axes_swapped", "abc,dc->abd", (None, 3), "d", (2, 4, 5), {}),
    ("kernel_out_first", "abc,ecd->abde", (None, 2, 3), "e", (2, 4, 5), {}),
    ("sigmoid_two_contracted", "abcd,cde->abe", (None, 2), None, (2, 3, 4, 5), {"activation": "sigmoid"}),
]
for name, equation, out_shape, bias_axes, shape, extra in EINSUM:
    CASES.append(layer_case(f"EinsumDense_{name}", "EinsumDense",
                            dict(equation=equation, output_shape=out_shape, bias_axes=bias_axes,
                                 bias_initializer="random_normal", **extra), shape, grad=True))
CASES.append(Case(id="EinsumDense_bad_equation", layer="EinsumDense", kwargs=dict(equation="ab->b", output_shape=3),
                  inputs=(2, 3), expect_error=True))
CASES.append(Case(id="EinsumDense_bad_bias_axes", layer="EinsumDense",
                  kwargs=dict(equation="ab,bc->ac", output_shape=3, bias_axes="x"), inputs=(2, 3), expect_error=True))
CASES.append(Case(id="EinsumDense_shared_dim_mismatch", layer="EinsumDense",
                  kwargs=dict(equation="abc,cd->abd", output_shape=(7, 4)), inputs=(2, 3, 5), expect_error=True))


# ---------------------------------------------------------------- ReversibleEmbedding
def reversible(tie=True, cap=None, mask_zero=False):
    def build(k):
        ids = k.Input((6,), dtype="int64")
        layer = k.layers.ReversibleEmbedding(12, 5, tie_weights=tie, logit_soft_cap=cap, mask_zero=mask_zero)
        h = layer(ids)
        hidden = k.layers.Dense(5, kernel_initializer="ones")(h)  # larger values, so the soft cap bites
        return k.Model(ids, [h, layer(hidden, reverse=True)])
    return build


for tag, kw in (("tied", {}), ("untied", {"tie": False}), ("soft_cap", {"cap": 0.01}),
                ("untied_soft_cap_mask_zero", {"tie": False, "cap": 0.02, "mask_zero": True})):
    CASES.append(Case(id=f"ReversibleEmbedding_{tag}", kind="model", build=reversible(**kw), inputs=(3, 6),
                      dtype="int64", high=12))
CASES.append(layer_case("ReversibleEmbedding_forward_mask_zero", "ReversibleEmbedding",
                        dict(input_dim=9, output_dim=4, mask_zero=True), (3, 6), dtype="int64", high=9, mask=True))


# ---------------------------------------------------------------- MultiHeadAttention / GQA
def qvk_model(cls, kwargs, shapes, call=None, scores=False, self_attention=False, attention_mask=None):
    """A functional model: Inputs for query (value, key) [and a boolean attention mask] -> layer."""
    def build(k):
        ins = [k.Input(s[1:]) for s in shapes]
        q = ins[0]
        v = q if self_attention else ins[1]
        key = ins[2] if len(shapes) > 2 else None
        kw = dict(call or {})
        if attention_mask is not None:
            m = k.Input(attention_mask, dtype="bool")
            ins.append(m)
            kw["attention_mask"] = m
        layer = getattr(k.layers, cls)(**kwargs)
        out = layer(q, v, key, return_attention_scores=scores, **kw)
        return k.Model(ins, list(out) if scores else out)
    return build


def masked_data(shapes, mask_shape):
    def data(rng):
        xs = [rng.standard_normal(s).astype("float32") for s in shapes]
        m = rng.random(mask_shape) < 0.7
        m[0, 1] = False  # a fully masked query row
        return xs + [m]
    return data


def embedded_model(cls, kwargs, cross=False, scores=False, call=None, pool=True):
    """Query/value from Embedding(mask_zero=True): the layer combines their Keras masks itself."""
    def build(k):
        L = k.layers
        q_ids = k.Input((6,), dtype="int64")
        ins = [q_ids]
        q = L.Embedding(10, 8, mask_zero=True)(q_ids)
        v = q
        if cross:
            v_ids = k.Input((4,), dtype="int64")
            ins.append(v_ids)
            v = L.Embedding(10, 8, mask_zero=True)(v_ids)
        out = getattr(L, cls)(**kwargs)(q, v, return_attention_scores=scores, **(call or {}))
        if scores:
            return k.Model(ins, list(out))
        # The pooling reads the mask the attention layer left on its output.
        return k.Model(ins, L.GlobalAveragePooling1D()(out) if pool else out)
    return build


def token_data(cross):
    def data(rng):
        q = rng.integers(1, 10, size=(3, 6)).astype("int64")
        q[0, 3:] = 0
        q[1, 1:] = 0
        q[2, 5] = 0
        if not cross:
            return q
        v = rng.integers(1, 10, size=(3, 4)).astype("int64")
        v[0, 2:] = 0
        v[2, 0] = 0
        return [q, v]
    return data


def model_case(id, build, inputs=None, data=None, grad=True, **kw):
    CASES.append(Case(id=id, kind="model", build=build, inputs=inputs, data=data, grad=grad, **kw))


MHA = dict(num_heads=2, key_dim=4)
Q, V, KEY = (2, 5, 8), (2, 3, 8), (2, 3, 6)
mha_rows = [
    ("self", MHA, [Q], {}, True),
    ("cross", MHA, [Q, V], {}, False),
    ("cross_key", MHA, [Q, V, KEY], {}, False),
    ("value_dim_output_shape_int", dict(num_heads=3, key_dim=4, value_dim=5, output_shape=6), [Q, V], {}, False),
    ("output_shape_tuple", dict(num_heads=2, key_dim=3, output_shape=(2, 3)), [Q, V, KEY], {}, False),
    ("no_bias", dict(num_heads=2, key_dim=4, use_bias=False), [Q, V], {}, False),
    ("one_head", dict(num_heads=1, key_dim=16), [Q, V], {}, False),
    ("causal", MHA, [Q], {"use_causal_mask": True}, True),
    ("causal_cross", MHA, [Q, V], {"use_causal_mask": True}, False),
    ("gate", dict(num_heads=2, key_dim=4, use_gate=True), [Q, V], {}, False),
    ("sliding_window_causal", dict(num_heads=2, key_dim=4, sliding_window=2), [Q], {"use_causal_mask": True}, True),
    ("sliding_window", dict(num_heads=2, key_dim=4, sliding_window=2), [Q], {}, True),
    ("dropout_inference", dict(num_heads=2, key_dim=4, dropout=0.3), [Q, V], {}, False),
    ("attention_axes_2_rank4", dict(num_heads=2, key_dim=2, attention_axes=2), [(2, 3, 4, 8), (2, 3, 2, 8)], {},
     False),
    ("attention_axes_1_rank4", dict(num_heads=2, key_dim=2, attention_axes=(1,)), [(2, 3, 4, 8), (2, 5, 4, 8)],
     {}, False),
    ("attention_axes_2d_rank5", dict(num_heads=2, key_dim=2, attention_axes=(2, 3)),
     [(2, 2, 3, 4, 8), (2, 2, 3, 2, 8)], {}, False),
    ("attention_axes_negative", dict(num_heads=2, key_dim=2, attention_axes=-2), [(2, 3, 4, 8)], {}, True),
]
for name, kw, shapes, call, self_att in mha_rows:
    model_case(f"MultiHeadAttention_{name}", qvk_model("MultiHeadAttention", kw, shapes, call,
                                                       self_attention=self_att), inputs=shapes)
    model_case(f"MultiHeadAttention_{name}_scores",
               qvk_model("MultiHeadAttention", kw, shapes, call, scores=True, self_attention=self_att),
               inputs=shapes)
for name, call in (("attention_mask", {}), ("attention_mask_causal", {"use_causal_mask": True})):
    for scores in (False, True):
        model_case(f"MultiHeadAttention_{name}{'_scores' if scores else ''}",
                   qvk_model("MultiHeadAttention", MHA, [Q, (2, 5, 8)], call, scores, attention_mask=(5, 5)),
                   data=masked_data([Q, (2, 5, 8)], (2, 5, 5)))
model_case("MultiHeadAttention_attention_mask_dropout_inference",
           qvk_model("MultiHeadAttention", dict(MHA, dropout=0.25), [Q, V], attention_mask=(5, 3)),
           data=masked_data([Q, V], (2, 5, 3)))
model_case("MultiHeadAttention_attention_mask_causal_dropout_inference",
           qvk_model("MultiHeadAttention", dict(MHA, dropout=0.25), [Q, (2, 5, 8)], {"use_causal_mask": True},
                     attention_mask=(5, 5)),
           data=masked_data([Q, (2, 5, 8)], (2, 5, 5)))
model_case("MultiHeadAttention_causal_dropout_inference",
           qvk_model("MultiHeadAttention", dict(MHA, dropout=0.25), [Q], {"use_causal_mask": True},
                     self_attention=True), inputs=[Q])
for name, kw in (("self", {}), ("cross", {"cross": True})):
    cross = bool(kw)
    for extra, call in (("", {}), ("_causal", {"use_causal_mask": True})):
        model_case(f"MultiHeadAttention_embedding_masks_{name}{extra}",
                   embedded_model("MultiHeadAttention", MHA, call=call, **kw), data=token_data(cross), grad=False)
        model_case(f"MultiHeadAttention_embedding_masks_{name}{extra}_scores",
                   embedded_model("MultiHeadAttention", MHA, call=call, scores=True, **kw), data=token_data(cross),
                   grad=False)
model_case("MultiHeadAttention_embedding_masks_output", embedded_model("MultiHeadAttention", MHA, cross=True,
                                                                       pool=False),
           data=token_data(True), grad=False)

GQA = dict(head_dim=3, num_query_heads=4, num_key_value_heads=2)
gqa_rows = [
    ("self", GQA, [Q], {}, True),
    ("cross_key", GQA, [Q, V, (2, 3, 8)], {}, False),
    ("mqa", dict(GQA, num_key_value_heads=1), [Q, V], {}, False),
    ("mha_equivalent", dict(GQA, num_key_value_heads=4), [Q, V], {}, False),
    ("no_bias_gate", dict(GQA, use_bias=False, use_gate=True), [Q, V], {}, False),
    ("causal", GQA, [Q], {"use_causal_mask": True}, True),
    ("sliding_window_causal", dict(GQA, sliding_window=3), [Q], {"use_causal_mask": True}, True),
    ("dropout_inference", dict(GQA, dropout=0.2), [Q, V], {}, False),
]
for name, kw, shapes, call, self_att in gqa_rows:
    model_case(f"GroupQueryAttention_{name}", qvk_model("GroupQueryAttention", kw, shapes, call,
                                                        self_attention=self_att), inputs=shapes)
    model_case(f"GroupQueryAttention_{name}_scores",
               qvk_model("GroupQueryAttention", kw, shapes, call, scores=True, self_attention=self_att),
               inputs=shapes)
model_case("GroupQueryAttention_attention_mask", qvk_model("GroupQueryAttention", GQA, [Q, V], attention_mask=(5, 3)),
           data=masked_data([Q, V], (2, 5, 3)))
model_case("GroupQueryAttention_attention_mask_dropout_inference",
           qvk_model("GroupQueryAttention", dict(GQA, dropout=0.2), [Q, V], attention_mask=(5, 3)),
           data=masked_data([Q, V], (2, 5, 3)))
model_case("GroupQueryAttention_causal_dropout_inference",
           qvk_model("GroupQueryAttention", dict(GQA, dropout=0.2), [Q], {"use_causal_mask": True},
                     self_attention=True), inputs=[Q])
for name, cross in (("self", False), ("cross", True)):
    model_case(f"GroupQueryAttention_embedding_masks_{name}", embedded_model("GroupQueryAttention", GQA, cross=cross),
               data=token_data(cross), grad=False)
    model_case(f"GroupQueryAttention_embedding_masks_{name}_scores",
               embedded_model("GroupQueryAttention", GQA, cross=cross, scores=True), data=token_data(cross),
               grad=False)


# ---------------------------------------------------------------- Attention / AdditiveAttention
QV, QVK = [(2, 3, 4), (2, 4, 4)], [(2, 3, 4), (2, 4, 5), (2, 4, 4)]
for cls, variants in (("Attention", (("dot", {}), ("dot_scale", {"use_scale": True}),
                                     ("concat", {"score_mode": "concat"}),
                                     ("concat_scale", {"score_mode": "concat", "use_scale": True}))),
                      ("AdditiveAttention", (("scale", {}), ("no_scale", {"use_scale": False})))):
    for name, kw in variants:
        CASES.append(layer_case(f"{cls}_{name}", cls, kw, QV, grad=True))
        CASES.append(layer_case(f"{cls}_{name}_key", cls, kw, QVK, grad=True))
        CASES.append(layer_case(f"{cls}_{name}_dropout_inference", cls, dict(kw, dropout=0.4), QV))


def list_attention_model(cls, kwargs, call=None, scores=False, embedded=False):
    def build(k):
        L = k.layers
        if embedded:
            ins = [k.Input((6,), dtype="int64"), k.Input((4,), dtype="int64")]
            q, v = L.Embedding(10, 4, mask_zero=True)(ins[0]), L.Embedding(10, 4, mask_zero=True)(ins[1])
        else:
            ins = [k.Input(s[1:]) for s in QV]
            q, v = ins
        out = getattr(L, cls)(**kwargs)([q, v], return_attention_scores=scores, **(call or {}))
        if scores:
            return k.Model(ins, list(out))
        return k.Model(ins, [out, L.GlobalAveragePooling1D()(out)] if embedded else out)
    return build


for cls, kw in (("Attention", {}), ("Attention", {"score_mode": "concat", "use_scale": True}),
                ("AdditiveAttention", {})):
    tag = f"{cls}_{kw.get('score_mode', 'default')}"
    for scores in (False, True):
        sfx = "_scores" if scores else ""
        model_case(f"{tag}_causal{sfx}", list_attention_model(cls, kw, {"use_causal_mask": True}, scores),
                   inputs=QV)
        model_case(f"{tag}_embedding_masks{sfx}", list_attention_model(cls, kw, scores=scores, embedded=True),
                   data=token_data(True), grad=False)
        model_case(f"{tag}_embedding_masks_causal{sfx}",
                   list_attention_model(cls, kw, {"use_causal_mask": True}, scores, embedded=True),
                   data=token_data(True), grad=False)


# ---------------------------------------------------------------- a Transformer encoder classifier
def transformer_classifier(k):
    L = k.layers
    ids, pos = k.Input((10,), dtype="int64"), k.Input((10,), dtype="int64")
    x = L.Add()([L.Embedding(20, 16, mask_zero=True)(ids), L.Embedding(10, 16)(pos)])
    x = L.LayerNormalization()(L.Add()([x, L.MultiHeadAttention(num_heads=4, key_dim=4)(x, x)]))
    ff = L.Dense(16)(L.Dense(32, activation="relu")(x))
    x = L.LayerNormalization()(L.Add()([x, ff]))
    return k.Model([ids, pos], L.Dense(1, activation="sigmoid")(L.GlobalAveragePooling1D()(x)))


def transformer_data(rng):
    ids = rng.integers(1, 20, size=(512, 10)).astype("int64")
    lengths = rng.integers(3, 11, size=512)
    ids[np.arange(10)[None, :] >= lengths[:, None]] = 0  # right padding, masked by the Embedding
    pos = np.tile(np.arange(10, dtype="int64"), (512, 1))
    y = ((ids >= 10).sum(1) > (ids > 0).sum(1) / 2).astype("float32")[:, None]
    return [ids, pos], y


model_case("TransformerEncoder_predict", transformer_classifier,
           data=lambda rng: [a[:16] for a in transformer_data(rng)[0]], grad=False)
CASES.append(Case(id="TransformerEncoder_fit_adam", kind="fit", build=transformer_classifier, data=transformer_data,
                  compile={"optimizer": lambda k: k.optimizers.Adam(learning_rate=0.002),
                           "loss": "binary_crossentropy", "metrics": ["accuracy"]},
                  epochs=3, batch_size=32, evaluate=True))
CASES.append(Case(id="TransformerEncoder_fit_sgd", kind="fit", build=transformer_classifier, data=transformer_data,
                  compile={"optimizer": lambda k: k.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                           "loss": "binary_crossentropy", "metrics": ["accuracy"]}, epochs=2, batch_size=64))

CASES = family("attention", CASES)
