"""Recurrent layers against independent numpy step-by-step references (Keras's equations, Keras layout)."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers

B, T, F, U = 3, 6, 4, 5
RIGHT = np.array([[1] * 6, [1] * 3 + [0] * 3, [0] * 6], bool)
HOLES = np.array([[1, 0, 1, 1, 0, 1], [0, 0, 1, 1, 1, 0], [1, 1, 1, 1, 1, 0]], bool)


def sig(z):
    return 1 / (1 + np.exp(-z))


def selu(z):
    return 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * (np.exp(z) - 1))


def np_step(kind, x, states, w, act=np.tanh, ract=sig, reset_after=True):
    k, r = w[0], w[1]
    b = w[2] if len(w) > 2 else np.zeros((2, k.shape[1]) if kind == "gru" and reset_after else k.shape[1])
    h = states[0]
    if kind == "simple":
        h = act(x @ k + h @ r + b)
        return h, [h]
    if kind == "lstm":
        z = x @ k + h @ r + b
        i, f, c_, o = np.split(z, 4, axis=-1)
        c = ract(f) * states[1] + ract(i) * act(c_)
        h = ract(o) * act(c)
        return h, [h, c]
    u = r.shape[0]
    bi, br = (b[0], b[1]) if reset_after else (b, np.zeros_like(b))
    xz, xr, xh = np.split(x @ k + bi, 3, axis=-1)
    rec = h @ r + br
    z, rr = ract(xz + rec[:, :u]), ract(xr + rec[:, u:2 * u])
    hh = act(xh + rr * rec[:, 2 * u:]) if reset_after else act(xh + (rr * h) @ r[:, 2 * u:])
    h = z * h + (1 - z) * hh
    return h, [h]


def np_rnn(kind, x, w, mask=None, go_backwards=False, zero_output=False, states=None, **kw):
    u = w[1].shape[0]
    states = states or [np.zeros((x.shape[0], u))] * (2 if kind == "lstm" else 1)
    outs, prev = [], np.zeros((x.shape[0], u))
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in order:
        out, new = np_step(kind, x[:, t], states, w, **kw)
        if mask is not None:
            m = mask[:, t][:, None]
            new = [np.where(m, n, s) for n, s in zip(new, states)]
            out = np.where(m, out, 0.0 if zero_output else prev)
        prev, states = out, new
        outs.append(out)
    return np.stack(outs, 1), states


LAYERS = {"simple": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}


def run_layer(kind, x, mask=None, **kwargs):
    layer = LAYERS[kind](U, **kwargs)
    xt = torch.from_numpy(x)
    layer(xt)
    w = [np.asarray(v, np.float64) for v in layer.get_weights()]
    if len(w) > 2:  # non-zero biases exercise the bias layout too
        w[2] = np.random.default_rng(1).standard_normal(w[2].shape) * 0.3
        layer.set_weights([w[0], w[1], w[2]])
    out = layer(xt, mask=None if mask is None else torch.from_numpy(mask))
    return layer, w, out


@pytest.fixture
def x():
    return np.random.default_rng(0).standard_normal((B, T, F)).astype(np.float32)


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("mask", [None, "right", "holes"])
def test_matches_numpy(kind, return_sequences, go_backwards, mask, x):
    m = {None: None, "right": RIGHT, "holes": HOLES}[mask]
    _, w, out = run_layer(kind, x, m, return_sequences=return_sequences, go_backwards=go_backwards)
    seq, _ = np_rnn(kind, x.astype(np.float64), w, m, go_backwards)
    want = seq if return_sequences else seq[:, -1]
    np.testing.assert_allclose(out.detach().numpy(), want, atol=2e-6)


@pytest.mark.parametrize("kind,kwargs,np_kwargs", [
    ("simple", {"activation": "selu"}, {"act": selu}),
    ("simple", {"activation": "relu"}, {"act": lambda z: np.maximum(z, 0)}),
    ("lstm", {"recurrent_activation": "tanh"}, {"ract": np.tanh}),
    ("gru", {"activation": "selu"}, {"act": selu}),
    ("gru", {"reset_after": False}, {"reset_after": False}),
    ("gru", {"reset_after": False, "use_bias": False}, {"reset_after": False}),
    ("lstm", {"use_bias": False}, {}),
    ("gru", {"use_bias": False}, {}),
])
def test_options_match_numpy(kind, kwargs, np_kwargs, x):
    _, w, out = run_layer(kind, x, HOLES, return_sequences=True, **kwargs)
    seq, _ = np_rnn(kind, x.astype(np.float64), w, HOLES, **np_kwargs)
    np.testing.assert_allclose(out.detach().numpy(), seq, atol=2e-6)


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("mask", [None, "right", "holes"])
def test_return_state(kind, mask, x):
    m = {None: None, "right": RIGHT, "holes": HOLES}[mask]
    _, w, out = run_layer(kind, x, m, return_sequences=True, return_state=True)
    seq, states = np_rnn(kind, x.astype(np.float64), w, m)
    assert isinstance(out, tuple) and len(out) == 1 + len(states)
    for got, want in zip(out, [seq] + states):
        np.testing.assert_allclose(got.detach().numpy(), want, atol=2e-6)


def test_zero_output_for_mask(x):
    layer = layers.LSTM(U, return_sequences=True, zero_output_for_mask=True)
    out = layer(torch.from_numpy(x), mask=torch.from_numpy(RIGHT))
    w = [np.asarray(v, np.float64) for v in layer.get_weights()]
    seq, _ = np_rnn("lstm", x.astype(np.float64), w, RIGHT, zero_output=True)
    np.testing.assert_allclose(out.detach().numpy(), seq, atol=2e-6)


def test_weight_layout_and_initializers():
    lstm, gru = layers.LSTM(U), layers.GRU(U)
    lstm.build((None, T, F))
    gru.build((None, T, F))
    assert [v.name for v in lstm.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [v.shape for v in lstm.weights] == [(F, 4 * U), (U, 4 * U), (4 * U,)]
    assert [v.shape for v in gru.weights] == [(F, 3 * U), (U, 3 * U), (2, 3 * U)]
    bias = lstm.get_weights()[2]
    np.testing.assert_array_equal(bias, np.r_[np.zeros(U), np.ones(U), np.zeros(2 * U)])  # unit_forget_bias
    r = lstm.get_weights()[1]
    np.testing.assert_allclose(r @ r.T, np.eye(U), atol=1e-5)  # orthogonal over the whole (u, 4u) matrix
    k = lstm.get_weights()[0]
    assert np.abs(k).max() <= np.sqrt(6 / (F + 4 * U)) + 1e-7  # glorot_uniform
    m = lstm.cell.torch_module
    assert not m.bias_hh_l0.requires_grad and float(m.bias_hh_l0.abs().max()) == 0.0


def test_gru_gate_reorder_against_torch_formula(x):
    # Keras blocks z, r, h map onto torch's r, z, n: the torch GRU must reproduce the numpy Keras GRU.
    _, w, out = run_layer("gru", x, None, return_sequences=True)
    seq, _ = np_rnn("gru", x.astype(np.float64), w)
    np.testing.assert_allclose(out.detach().numpy(), seq, atol=2e-6)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("mask", [None, "right", "holes"])
def test_bidirectional(merge_mode, return_sequences, mask, x):
    m = {None: None, "right": RIGHT, "holes": HOLES}[mask]
    bi = layers.Bidirectional(layers.GRU(U, return_sequences=return_sequences), merge_mode=merge_mode)
    out = bi(torch.from_numpy(x), mask=None if m is None else torch.from_numpy(m))
    w = [np.asarray(v, np.float64) for v in bi.get_weights()]
    xd = x.astype(np.float64)
    fw, _ = np_rnn("gru", xd, w[:3], m, zero_output=return_sequences)
    bw, _ = np_rnn("gru", xd, w[3:], m, go_backwards=True, zero_output=return_sequences)
    fw, bw = (fw, bw[:, ::-1]) if return_sequences else (fw[:, -1], bw[:, -1])
    want = {"concat": lambda: np.concatenate([fw, bw], -1), "sum": lambda: fw + bw, "mul": lambda: fw * bw,
            "ave": lambda: (fw + bw) / 2, None: lambda: (fw, bw)}[merge_mode]()
    got = [o.detach().numpy() for o in out] if merge_mode is None else out.detach().numpy()
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=2e-6)


def test_bidirectional_return_state_and_weights(x):
    bi = layers.Bidirectional(layers.LSTM(U, return_state=True))
    out = bi(torch.from_numpy(x))
    assert len(out) == 5 and tuple(out[0].shape) == (B, 2 * U)
    assert [v.name for v in bi.weights] == ["kernel", "recurrent_kernel", "bias"] * 2
    assert bi.forward_layer.name.startswith("forward_") and bi.backward_layer.go_backwards


def test_stacked_cells_and_generic_rnn(x):
    rnn = layers.RNN([layers.LSTMCell(U), layers.GRUCell(3, reset_after=False)], return_sequences=True)
    out = rnn(torch.from_numpy(x), mask=torch.from_numpy(HOLES))
    w = [np.asarray(v, np.float64) for v in rnn.get_weights()]
    xd = x.astype(np.float64)
    s1, s2 = [np.zeros((B, U))] * 2, [np.zeros((B, 3))]
    outs, prev = [], np.zeros((B, 3))
    for t in range(T):
        h1, n1 = np_step("lstm", xd[:, t], s1, w[:3])
        h2, n2 = np_step("gru", h1, s2, w[3:], reset_after=False)
        m = HOLES[:, t][:, None]
        s1 = [np.where(m, a, b) for a, b in zip(n1, s1)]
        s2 = [np.where(m, a, b) for a, b in zip(n2, s2)]
        prev = np.where(m, h2, prev)
        outs.append(prev)
    np.testing.assert_allclose(out.detach().numpy(), np.stack(outs, 1), atol=2e-6)


class MinimalCell(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        h = torch.matmul(inputs, self.kernel) + torch.matmul(states[0], self.recurrent_kernel)
        return h, [h]


def test_user_cell(x):
    rnn = layers.RNN(MinimalCell(U))
    out = rnn(torch.from_numpy(x))
    k, r = (np.asarray(v, np.float64) for v in rnn.get_weights())
    h = np.zeros((B, U))
    for t in range(T):
        h = x[:, t] @ k + h @ r
    np.testing.assert_allclose(out.detach().numpy(), h, atol=2e-5)


def test_stateful_continues_and_resets(x):
    layer = layers.LSTM(U, stateful=True, batch_input_shape=(B, T, F))
    a = layer(torch.from_numpy(x[:, :3]))
    b = layer(torch.from_numpy(x[:, 3:]))
    w = [np.asarray(v, np.float64) for v in layer.get_weights()]
    seq, _ = np_rnn("lstm", x.astype(np.float64), w)
    np.testing.assert_allclose(a.detach().numpy(), seq[:, 2], atol=2e-6)
    np.testing.assert_allclose(b.detach().numpy(), seq[:, -1], atol=2e-6)
    layer.reset_states()
    np.testing.assert_allclose(layer(torch.from_numpy(x[:, :3])).detach().numpy(), seq[:, 2], atol=2e-6)
    with pytest.raises(ValueError, match="batch size"):
        layer(torch.from_numpy(x[:2, :3]))


def test_stateful_needs_fixed_batch():
    with pytest.raises(ValueError, match="batch size must be static"):
        keras.Sequential([layers.Input((T, F)), layers.GRU(U, stateful=True)])


def test_bad_input():
    with pytest.raises(ValueError, match=r"\(batch, timesteps, features\)"):
        layers.LSTM(U)(torch.zeros(2, F))
    for bad in (0, -3):
        with pytest.raises(ValueError, match="units"):
            layers.GRU(bad)
    with pytest.raises(ValueError, match="mask"):
        layers.SimpleRNN(U)(torch.zeros(2, T, F), mask=torch.ones(2, T - 1, dtype=torch.bool))
    with pytest.raises(ValueError, match="merge mode"):
        layers.Bidirectional(layers.LSTM(U), merge_mode="max")


def test_dropout_masks_fixed_across_time():
    # With identity-like weights a dropped input feature is dropped at every step (one mask per call).
    layer = layers.SimpleRNN(F, dropout=0.5, activation="linear", kernel_initializer="identity",
                             recurrent_initializer="zeros", use_bias=False, return_sequences=True)
    x = torch.ones(64, T, F)
    out = layer(x, training=True)
    dropped = out == 0
    assert dropped.any() and (dropped == dropped[:, :1]).all()
    assert torch.equal(layer(x), x)  # inference: no dropout


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_recurrent_dropout_trains_and_inference_is_deterministic(cls, x):
    layer = cls(U, dropout=0.2, recurrent_dropout=0.3)
    xt = torch.from_numpy(x)
    out = layer(xt, training=True)
    out.sum().backward()
    assert layer.cell.torch_module.weight_hh_l0.grad is not None
    torch.testing.assert_close(layer(xt), layer(xt))


def test_masks_flow_from_embedding_and_gradients():
    ids = torch.tensor([[3, 4, 5, 0, 0], [0, 0, 0, 0, 0], [1, 2, 3, 4, 5]])
    model = keras.Sequential([layers.Embedding(10, F, mask_zero=True), layers.LSTM(U, return_sequences=True),
                              layers.GRU(U)])
    out = model(ids)
    emb = model.layers[0].get_weights()[0].astype(np.float64)
    w1 = [np.asarray(v, np.float64) for v in model.layers[1].get_weights()]
    w2 = [np.asarray(v, np.float64) for v in model.layers[2].get_weights()]
    mask = ids.numpy() != 0
    seq, _ = np_rnn("lstm", emb[ids.numpy()], w1, mask)
    last, _ = np_rnn("gru", seq, w2, mask)
    np.testing.assert_allclose(out.detach().numpy(), last[:, -1], atol=2e-6)
    out.sum().backward()
    assert model.layers[1].cell.torch_module.weight_ih_l0.grad is not None


def test_time_distributed(x):
    td = layers.TimeDistributed(layers.Dense(3))
    out = td(torch.from_numpy(x))
    k, b = td.get_weights()
    np.testing.assert_allclose(out.detach().numpy(), x @ k + b, atol=1e-5)
    assert td.compute_output_shape((None, T, F)) == (None, T, 3)


def test_config_roundtrip_and_shapes():
    for layer in (layers.LSTM(U, return_sequences=True, go_backwards=True), layers.GRU(U, reset_after=False),
                  layers.SimpleRNN(U, activation="relu")):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == {**layer.get_config(), "name": clone.name}
    assert layers.LSTM(U, return_state=True).compute_output_shape((None, T, F)) == [(None, U), (None, U), (None, U)]
    assert layers.Bidirectional(layers.GRU(U, return_sequences=True)).compute_output_shape((None, T, F)) == \
        (None, T, 2 * U)
    rnn = layers.RNN([layers.LSTMCell(U), layers.SimpleRNNCell(2)])
    assert type(layers.RNN.from_config(rnn.get_config()).cell).__name__ == "StackedRNNCells"
