"""SimpleRNNCell and SimpleRNN: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

from torch import nn

from torchkeras import activations
from torchkeras.layers.rnn._cell_base import RecurrentCell
from torchkeras.layers.rnn._layer_base import BuiltinRNN

_TORCH_NONLINEARITY = {activations.tanh: "tanh", activations.relu: "relu"}


class SimpleRNNCell(RecurrentCell):
    """Cell of the SimpleRNN layer. Weights: kernel (in, u), recurrent_kernel (u, u), bias (u,)."""

    _torch_cls = nn.RNN

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(units, activation, None, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)

    def _module_kwargs(self):
        return {"nonlinearity": _TORCH_NONLINEARITY.get(self.activation, "tanh")}

    def _fused_ok(self, training):
        return (self.activation in _TORCH_NONLINEARITY
                and not (training and 0 < self.recurrent_dropout < 1))

    def _recurrent_step(self, xp, states, training):
        h = self._act(xp + self._recurrent_matmul(states[0], training))
        return h, [h]


class SimpleRNN(BuiltinRNN):
    """Fully-connected RNN whose output is fed back as the next input (Keras 3 signature).

    tanh and relu activations run torch's fused nn.RNN kernel; others run the cell loop.
    """

    _cell_cls = SimpleRNNCell

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, seed=None, **kwargs):
        cell_kwargs = dict(
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(units, activity_regularizer=activity_regularizer, cell_kwargs=cell_kwargs,
                         return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll, **kwargs)

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("seed", None)  # Keras 3.15's SimpleRNN config has no seed (its cell's has)
        return cfg
