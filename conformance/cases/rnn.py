"""Recurrent layers: SimpleRNN, LSTM, GRU (both reset_after modes) over return_sequences,
go_backwards, return_state, use_bias, activations; cells and RNN(cell); stacked RNNs;
Bidirectional in every merge mode; TimeDistributed; masks (right-padded and with holes);
Conv1D -> RNN stacks."""

from conformance.case import Case, family, layer_case

CASES = []
SEQ = (2, 5, 3)
KINDS = [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU_reset_after_False", {"reset_after": False})]


def add(id, layer, kwargs, inputs=SEQ, **extra):
    CASES.append(layer_case(id, layer, kwargs, inputs, **extra))


def cls(name):
    return name.split("_")[0]


for name, base in KINDS:
    for rs in (False, True):
        for gb in (False, True):
            for st in (False, True):
                kw = {"units": 4, "return_sequences": rs, "go_backwards": gb, "return_state": st, **base}
                add(f"{name}_seq{int(rs)}_back{int(gb)}_state{int(st)}", cls(name), kw,
                    grad=(rs and not gb and not st))
    add(f"{name}_no_bias", cls(name), {"units": 4, "use_bias": False, "return_sequences": True, **base})
    add(f"{name}_relu", cls(name), {"units": 3, "activation": "relu", **base})
    add(f"{name}_unroll", cls(name), {"units": 3, "unroll": True, "return_sequences": True, **base})
    add(f"{name}_dropout_inference", cls(name), {"units": 3, "dropout": 0.3, "recurrent_dropout": 0.2,
                                                 **base})
    add(f"{name}_longer_sequence", cls(name), {"units": 5, **base}, (3, 12, 2))
for name, base in KINDS[1:]:
    add(f"{name}_hard_sigmoid_linear", cls(name), {"units": 4, "activation": "linear",
                                                   "recurrent_activation": "hard_sigmoid", **base})
add("LSTM_unit_forget_bias_False", "LSTM", {"units": 4, "unit_forget_bias": False,
                                            "bias_initializer": "random_normal"})
add("SimpleRNN_random_bias_tanh", "SimpleRNN", {"units": 4, "bias_initializer": "random_normal"})
add("GRU_random_bias", "GRU", {"units": 4, "bias_initializer": "random_normal", "return_sequences": True})
add("GRU_reset_after_False_random_bias", "GRU", {"units": 4, "reset_after": False,
                                                 "bias_initializer": "random_normal"})
add("RNN_rank2_input_refused", "LSTM", {"units": 4}, (2, 5), expect_error=True)

# ---- cells through the generic RNN layer, including a user cell written once against `keras`
for cell in ("SimpleRNNCell", "LSTMCell", "GRUCell"):
    CASES.append(Case(id=f"RNN_{cell}", inputs=SEQ,
                      build=lambda k, cell=cell: k.layers.RNN(getattr(k.layers, cell)(4), return_sequences=True)))
CASES.append(Case(id="RNN_StackedRNNCells", inputs=SEQ, build=lambda k: k.layers.RNN(
    k.layers.StackedRNNCells([k.layers.LSTMCell(4), k.layers.GRUCell(3)]), return_sequences=True)))


def user_cell(k):
    class MinimalCell(k.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
            self.recurrent = self.add_weight(shape=(self.units, self.units), initializer="orthogonal")

        def call(self, inputs, states):
            h = k.ops.tanh(k.ops.matmul(inputs, self.kernel) + k.ops.matmul(states[0], self.recurrent))
            return h, [h]

    return k.layers.RNN(MinimalCell(4), return_sequences=True)


CASES.append(Case(id="RNN_user_cell", inputs=SEQ, build=user_cell, config=False))

# ---- Bidirectional in every merge mode
for layer in ("LSTM", "GRU", "SimpleRNN"):
    for mode in ("concat", "sum", "mul", "ave", None):
        for rs in (False, True):
            if layer == "SimpleRNN" and mode not in ("concat", None):
                continue
            CASES.append(Case(
                id=f"Bidirectional_{layer}_{mode}_seq{int(rs)}", inputs=SEQ, grad=(mode == "concat" and rs),
                build=lambda k, layer=layer, mode=mode, rs=rs: k.layers.Bidirectional(
                    getattr(k.layers, layer)(4, return_sequences=rs), merge_mode=mode)))
for layer in ("LSTM", "GRU"):
    CASES.append(Case(id=f"Bidirectional_{layer}_return_state", inputs=SEQ, build=lambda k, layer=layer:
                      k.layers.Bidirectional(getattr(k.layers, layer)(4, return_state=True))))
CASES.append(Case(id="Bidirectional_backward_layer_GRU", inputs=SEQ, build=lambda k: k.layers.Bidirectional(
    k.layers.LSTM(4, return_sequences=True),
    backward_layer=k.layers.LSTM(3, return_sequences=True, go_backwards=True))))

# ---- TimeDistributed
CASES.append(Case(id="TimeDistributed_Dense", inputs=(2, 4, 5), grad=True,
                  build=lambda k: k.layers.TimeDistributed(k.layers.Dense(3))))
CASES.append(Case(id="TimeDistributed_Conv2D", inputs=(2, 3, 6, 5, 2),
                  build=lambda k: k.layers.TimeDistributed(k.layers.Conv2D(3, 3, padding="same"))))


# ---- masks: Embedding(mask_zero) and Masking through RNNs
def right_padded(rng):
    x = rng.integers(1, 10, size=(4, 7)).astype("int32")
    for row, n in enumerate((7, 4, 2, 5)):
        x[row, n:] = 0
    return x


def holes(rng):
    x = rng.integers(1, 10, size=(4, 7)).astype("int32")
    x[0, 2] = 0
    x[1, 0] = 0
    x[1, 5:] = 0
    x[3, 3:5] = 0
    return x


def masked(layer_fn):
    def build(k):
        return k.Sequential([k.Input((7,), dtype="int32"), k.layers.Embedding(10, 3, mask_zero=True),
                             layer_fn(k)])
    return build


for layer in ("SimpleRNN", "LSTM", "GRU"):
    for rs in (False, True):
        for data, dname in ((right_padded, "right_padded"), (holes, "holes")):
            CASES.append(Case(id=f"masked_{layer}_{dname}_seq{int(rs)}", kind="model", data=data,
                              build=masked(lambda k, layer=layer, rs=rs: getattr(k.layers, layer)(
                                  4, return_sequences=rs))))
    CASES.append(Case(id=f"masked_{layer}_right_padded_go_backwards", kind="model", data=right_padded,
                      build=masked(lambda k, layer=layer: getattr(k.layers, layer)(4, go_backwards=True))))
CASES.append(Case(id="masked_GRU_reset_after_False_right_padded", kind="model", data=right_padded,
                  build=masked(lambda k: k.layers.GRU(4, reset_after=False, return_sequences=True))))
for rs in (False, True):
    for mode in ("concat", "sum"):
        CASES.append(Case(id=f"masked_Bidirectional_LSTM_{mode}_seq{int(rs)}", kind="model", data=right_padded,
                          build=masked(lambda k, rs=rs, mode=mode: k.layers.Bidirectional(
                              k.layers.LSTM(4, return_sequences=rs), merge_mode=mode))))
    CASES.append(Case(id=f"masked_Bidirectional_GRU_holes_seq{int(rs)}", kind="model", data=holes,
                      build=masked(lambda k, rs=rs: k.layers.Bidirectional(k.layers.GRU(3, return_sequences=rs)))))


def masking_layer_model(layer):
    def build(k):
        return k.Sequential([k.Input((6, 3)), k.layers.Masking(0.0), getattr(k.layers, layer)(4)])
    return build


def padded_floats(rng):
    x = rng.standard_normal((3, 6, 3)).astype("float32")
    x[0, 4:] = 0.0
    x[2, 1] = 0.0
    return x


for layer in ("LSTM", "GRU", "SimpleRNN"):
    CASES.append(Case(id=f"Masking_then_{layer}", kind="model", build=masking_layer_model(layer),
                      data=padded_floats))


# ---- stacked RNNs and Conv1D -> RNN stacks
def stacked(k):
    L = k.layers
    return k.Sequential([k.Input((6, 3)), L.LSTM(5, return_sequences=True), L.GRU(4, return_sequences=True),
                         L.SimpleRNN(3), L.Dense(2)])


def stacked_bidir(k):
    L = k.layers
    return k.Sequential([k.Input((6, 3)), L.Bidirectional(L.LSTM(4, return_sequences=True)),
                         L.Bidirectional(L.GRU(3)), L.Dense(2, activation="softmax")])


def conv_rnn(layer):
    def build(k):
        L = k.layers
        return k.Sequential([k.Input((12, 3)), L.Conv1D(4, 3, padding="same", activation="relu"),
                             L.MaxPooling1D(2), getattr(L, layer)(5), L.Dense(2)])
    return build


def text_classifier(k):
    L = k.layers
    return k.Sequential([k.Input((10,), dtype="int32"), L.Embedding(50, 8), L.LSTM(6),
                         L.Dense(3, activation="softmax")])


def encoder_decoder_states(k):
    L = k.layers
    enc_in, dec_in = k.Input((5, 3)), k.Input((4, 2))
    _, h, c = L.LSTM(4, return_state=True)(enc_in)
    out = L.LSTM(4, return_sequences=True)(dec_in, initial_state=[h, c])
    return k.Model([enc_in, dec_in], L.Dense(2)(out))


def gru_initial_state(k):
    L = k.layers
    x, s = k.Input((5, 3)), k.Input((4,))
    return k.Model([x, s], L.GRU(4, return_sequences=True)(x, initial_state=s))


CASES += [
    Case(id="model_stacked_LSTM_GRU_SimpleRNN", kind="model", build=stacked, inputs=(3, 6, 3), grad=True),
    Case(id="model_stacked_Bidirectional", kind="model", build=stacked_bidir, inputs=(3, 6, 3)),
    Case(id="model_Conv1D_LSTM", kind="model", build=conv_rnn("LSTM"), inputs=(3, 12, 3)),
    Case(id="model_Conv1D_GRU", kind="model", build=conv_rnn("GRU"), inputs=(3, 12, 3)),
    Case(id="model_Embedding_LSTM_text_classifier", kind="model", build=text_classifier, inputs=(3, 10),
         dtype="int32", high=50),
    Case(id="model_LSTM_encoder_decoder_initial_state", kind="model", build=encoder_decoder_states,
         inputs=[(3, 5, 3), (3, 4, 2)]),
    Case(id="model_GRU_initial_state_input", kind="model", build=gru_initial_state, inputs=[(3, 5, 3), (3, 4)]),
]

CASES = family("rnn", CASES)
