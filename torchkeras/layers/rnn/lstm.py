"""LSTMCell and LSTM (Keras gates i, f, c, o = torch's i, f, g, o)."""

import torch
from torch import nn

from torchkeras import activations
from torchkeras.layers.rnn._cell_base import RecurrentCell
from torchkeras.layers.rnn._layer_base import BuiltinRNN


class LSTMCell(RecurrentCell):
    """Cell of the LSTM layer; processes one timestep.

    Args: as keras.layers.LSTMCell (units, activation="tanh", recurrent_activation="sigmoid",
    use_bias, initializers, unit_forget_bias=True (forget-gate bias starts at 1), regularizers,
    constraints, dropout, recurrent_dropout, seed). Weights: kernel (in, 4u), recurrent_kernel (u, 4u),
    bias (4u,). States: [h, c].
    """

    _gates = 4
    _torch_cls = nn.LSTM

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        # Keras's `implementation` (1 or 2) only regroups the same math: accepted and kept, no effect.
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, seed, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]
        # Keras's implementation 1 (one mask per gate) is used whenever recurrent_dropout is set.
        self.implementation = implementation
        self.dropout_mask_count = 4 if self.recurrent_dropout else None

    def _initial_bias(self):
        u = self.units
        if not self.unit_forget_bias:
            return self.bias_initializer((4 * u,))
        return torch.cat([self.bias_initializer((u,)), torch.ones(u), self.bias_initializer((2 * u,))])

    def _fused_ok(self, training):
        return (self.activation is activations.tanh and self.recurrent_activation is activations.sigmoid
                and not (training and 0 < self.recurrent_dropout < 1))

    def _run_fused(self, x, states):
        hx = None if states is None else (states[0].unsqueeze(0), states[1].unsqueeze(0))
        out, (h_n, c_n) = self.torch_module(x, hx)
        return out, [h_n[0], c_n[0]]

    def _recurrent_step(self, xp, states, training):
        h, c = states[0], states[1]
        i, f, g, o = (xp + self._recurrent_matmul(h, training)).chunk(4, dim=-1)
        c = self._ract(f) * c + self._ract(i) * self._act(g)
        h = self._ract(o) * self._act(c)
        return h, [h, c]

    def get_config(self):
        cfg = super().get_config()
        cfg["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        cfg["unit_forget_bias"] = self.unit_forget_bias
        return cfg


class LSTM(BuiltinRNN):
    """Long Short-Term Memory layer (Hochreiter 1997), Keras 3 signature and numerics.

    Runs torch's fused LSTM kernel whenever it can (see torchkeras/layers/rnn/rnn.py for the table).
    Input (batch, timesteps, features); output (batch, units), or (batch, timesteps, units) with
    return_sequences; with return_state, (output, h, c). Weights: the cell's kernel, recurrent_kernel, bias.
    """

    _cell_cls = LSTMCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        cell_kwargs = dict(
            activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, implementation=kwargs.pop("implementation", 2))
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"Invalid value received for argument `use_cudnn`. Expected one of "
                             f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn!r}")
        self_use_cudnn = use_cudnn
        super().__init__(units, activity_regularizer=activity_regularizer, cell_kwargs=cell_kwargs,
                         return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll, **kwargs)
        self.use_cudnn = self_use_cudnn

