"""Behaviours Keras's own layer tests require (activations on arrays, masks as arrays, build-at-init,
InputLayer checks, stacked-cell states, wrapper masks). Expected values come from numpy formulas."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import activations, layers


def test_activations_accept_numpy_and_scalars():
    x = np.array([[-2.0, -0.5, 0.0, 1.5]])
    out = activations.relu(x)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64  # numpy keeps its dtype, as Keras
    np.testing.assert_allclose(out.numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(activations.sigmoid(x).numpy(), 1 / (1 + np.exp(-x)), rtol=1e-12)
    e = np.exp(x - x.max())
    np.testing.assert_allclose(activations.softmax(x).numpy(), e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(activations.threshold(x, 0.0, -1.0).numpy(), np.where(x > 0, x, -1.0))
    assert activations.tanh(0.5).dtype == torch.float32  # Python floats become floatx
    assert activations.linear(x) is x


def test_activation_on_symbolic_tensor_records_a_node():
    inp = keras.Input((4,))
    out = activations.softmax(inp)
    assert tuple(out.shape) == (None, 4)
    model = keras.Model(inp, out)
    np.testing.assert_allclose(model(torch.zeros(2, 4)).numpy(), np.full((2, 4), 0.25), rtol=1e-6)


def test_stateless_layer_built_unless_subclass_overrides_build():
    assert layers.MaxPooling2D().built and layers.Flatten().built and layers.ReLU().built

    class OwnBuild(layers.GlobalAveragePooling1D):
        def build(self, input_shape):
            pass

    assert not OwnBuild().built


def test_numpy_mask_positional_and_keyword():
    x = np.arange(12, dtype="float32").reshape(1, 4, 3)
    mask = np.array([[True, True, False, False]])
    expected = x[0, :2].mean(axis=0, keepdims=True)
    layer = layers.GlobalAveragePooling1D()
    np.testing.assert_allclose(layer(x, mask).numpy(), expected)
    np.testing.assert_allclose(layer(torch.from_numpy(x), mask=mask).numpy(), expected)


def test_merge_compute_mask_with_arrays_and_symbolic():
    m1 = np.array([[True, False]])
    m2 = np.array([[False, False]])
    out = layers.Add().compute_mask([np.zeros((1, 2, 3))] * 2, [m1, m2])
    np.testing.assert_array_equal(np.asarray(out), np.logical_or(m1, m2))
    a, b = keras.Input((2, 3)), keras.Input((2, 3))
    sym = layers.Concatenate(axis=1).compute_mask([a, b], [keras.Input((2,), dtype="bool"), None])
    assert tuple(sym.shape) == (None, 4)
    with pytest.raises(ValueError, match="`inputs` should be a list"):
        layers.Add().compute_mask(a, [None, None])


def test_input_layer_keras_checks():
    layer = layers.InputLayer(shape=(np.int64(3),))
    assert layer.batch_shape == (None, 3) and layer.ragged is False
    assert layer.call() is None
    with pytest.raises(ValueError, match="cannot pass both `batch_size` and `batch_shape`"):
        layers.InputLayer(batch_size=2, batch_shape=(2, 3))
    with pytest.raises(ValueError, match="`sparse=True` is not supported"):
        layers.InputLayer(shape=(3,), sparse=True)
    with pytest.raises(ValueError, match="`ragged=True` is not supported"):
        layers.InputLayer(shape=(3,), ragged=True)
    t = keras.Input(batch_shape=(2, 3))
    with pytest.raises(ValueError, match="incompatible `shape`"):
        layers.InputLayer(shape=(4,), input_tensor=t)
    assert layers.InputLayer(input_tensor=t).output is t
    with pytest.warns(UserWarning, match="`input_shape` is deprecated"):
        layers.InputLayer(input_shape=(3,))


class _SumCell(layers.Layer):
    """No get_initial_state: the RNN must start from zeros."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def call(self, inputs, states):
        out = inputs[:, :1].expand(-1, self.units) + states[0]
        return out, [out]


def test_stacked_cells_zero_states_and_state_structure():
    x = np.ones((2, 3, 4), "float32")
    out, s1, s2 = layers.RNN([_SumCell(3), _SumCell(2)], return_state=True)(x)
    # cell 1 sums the first feature over 3 steps; cell 2 sums cell 1's running outputs 1+2+3.
    np.testing.assert_allclose(s1.numpy(), np.full((2, 3), 3.0))
    np.testing.assert_allclose(out.numpy(), np.full((2, 2), 6.0))
    lstm = layers.RNN([layers.LSTMCell(4), layers.LSTMCell(5)], return_state=True)
    outs = lstm(x)
    assert len(outs) == 3 and [tuple(t.shape) for t in outs[2]] == [(2, 5), (2, 5)]
    assert lstm.compute_output_shape((2, 3, 4))[1] == [(2, 4), (2, 4)]


def test_lstm_gru_accept_implementation():
    assert layers.LSTM(2, implementation=1).cell.implementation == 1
    assert layers.GRU(2, implementation=2).cell.implementation == 2


def test_time_distributed_mask_checks():
    td = layers.TimeDistributed(layers.Dense(2))
    x = np.zeros((2, 3, 4), "float32")
    assert tuple(td(x, mask=np.ones((2, 3), bool)).shape) == (2, 3, 2)
    with pytest.raises(ValueError, match="The `mask` passed to the `TimeDistributed` layer has a shape"):
        td(x, mask=np.ones((2, 4), bool))


def test_wrappers_revive_built_layers_and_keep_use_cudnn():
    bidi = layers.Bidirectional(layers.LSTM(2, use_cudnn=False))
    assert bidi.backward_layer.use_cudnn is False
    td = layers.TimeDistributed(layers.Dense(2))
    td(np.zeros((1, 2, 3), "float32"))
    revived = layers.TimeDistributed.from_config(td.get_config())
    assert revived.layer.built
