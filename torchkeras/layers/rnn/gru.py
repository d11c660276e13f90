"""GRUCell and GRU (Keras gates z, r, h; torch r, z, n: the weight views reorder the blocks)."""

import warnings

import torch
from torch import nn

from torchkeras import activations
from torchkeras.layers.rnn._cell_base import RecurrentCell
from torchkeras.layers.rnn._layer_base import BuiltinRNN


class GRUCell(RecurrentCell):
    """Cell of the GRU layer; processes one timestep.

    Args: as keras.layers.GRUCell; `reset_after=True` (default, cuDNN-compatible) applies the reset gate
    after the recurrent matmul and has a (2, 3u) bias (input row, recurrent row); `reset_after=False`
    applies it before and has a (3u,) bias (no torch kernel computes that: it runs the cell loop).
    """

    _gates = 3
    _torch_cls = nn.GRU
    _gru_layout = True

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, **kwargs):
        # Keras's `implementation` (1 or 2) only regroups the same math: accepted and kept, no effect.
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, seed, **kwargs)
        self.reset_after = bool(reset_after)
        self.implementation = implementation
        self.dropout_mask_count = 3 if self.recurrent_dropout else None

    def _split_bias(self):
        return self.reset_after

    def _initial_bias(self):
        u = self.units
        return self.bias_initializer((2, 3 * u) if self.reset_after else (3 * u,))

    def _fused_ok(self, training):
        return (self.reset_after and self.activation is activations.tanh
                and self.recurrent_activation is activations.sigmoid
                and not (training and 0 < self.recurrent_dropout < 1))

    def _run_fused(self, x, states):
        m = self.torch_module
        if not self.use_bias:
            return super()._run_fused(x, states)
        hx = (torch.zeros((1, x.shape[0], self.units), dtype=x.dtype, device=x.device) if states is None
              else states[0].unsqueeze(0))
        b = m.bias_l0
        params = [m.weight_ih_l0, m.weight_hh_l0, b[0], b[1]]
        # One (2, 3u) parameter feeds both torch biases, so Keras's single bias weight stays one tensor.
        if x.is_cuda:
            # cuDNN then copies the four tensors into its own buffer (a few KB per call) and says so.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*not part of single contiguous chunk.*")
                out, h_n = torch.gru(x, hx, params, True, 1, 0.0, self.training, False, True)
        else:
            out, h_n = torch.gru(x, hx, params, True, 1, 0.0, self.training, False, True)
        return out, [h_n[0]]

    def _recurrent_step(self, xp, states, training):
        h = states[0]
        u = self.units
        xr, xz, xn = xp.chunk(3, dim=-1)
        if self.reset_after:
            hr, hz, hn = self._recurrent_matmul(h, training).chunk(3, dim=-1)
            r, z = self._ract(xr + hr), self._ract(xz + hz)
            n = self._act(xn + r * hn)
        else:
            hr, hz = self._recurrent_matmul(h, training, slice(0, 2 * u)).chunk(2, dim=-1)
            r, z = self._ract(xr + hr), self._ract(xz + hz)
            n = self._act(xn + self._recurrent_matmul(r * h, training, slice(2 * u, 3 * u)))
        h = z * h + (1 - z) * n
        return h, [h]

    def get_config(self):
        cfg = super().get_config()
        cfg["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        cfg["reset_after"] = self.reset_after
        return cfg


class GRU(BuiltinRNN):
    """Gated Recurrent Unit layer (Cho et al. 2014), Keras 3 signature and numerics.

    reset_after=True (default) runs torch's fused GRU kernel whenever it can (see rnn.py for the table);
    reset_after=False runs the cell loop. Output (batch, units) or (batch, timesteps, units); with
    return_state, (output, h).
    """

    _cell_cls = GRUCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        cell_kwargs = dict(
            activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            reset_after=reset_after, seed=seed, implementation=kwargs.pop("implementation", 2))
        super().__init__(units, activity_regularizer=activity_regularizer, cell_kwargs=cell_kwargs,
                         return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll, **kwargs)
        self.use_cudnn = use_cudnn
