"""RecurrentCell: shared base of SimpleRNNCell, LSTMCell and GRUCell.

Each built-in cell owns one single-layer torch module (nn.RNN / nn.LSTM / nn.GRU, batch_first=True), so
the RNN layer can hand whole sequences to the fused kernel (cuDNN on GPU, the fused CPU kernel here).
Keras's weights are views of that module's parameters:

    kernel (in, G*u)            = weight_ih_l0.T     (GRU: gate blocks z,r,h <-> torch r,z,n)
    recurrent_kernel (u, G*u)   = weight_hh_l0.T
    bias                        = bias_ih_l0 (+ bias_hh_l0, frozen at zero) for Keras's single bias;
                                  GRU reset_after=True: one (2, 3u) parameter `bias_l0` of the module
                                  (rows: input, recurrent bias) handed to torch.gru as two views, so
                                  that one Keras weight stays one torch parameter for the optimizers.

Keras has one bias where torch has two: training both would move the bias at twice Keras's rate, so
bias_hh stays at zero with requires_grad=False, and a torch state_dict holding a non-zero bias_hh is
folded into bias_ih when loaded.
"""

import numbers

import torch
from torch import nn

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras import weight_layout as wl
from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.core.dropout import make_seed_generator
from torchkeras.layers.layer import Layer
from torchkeras.layers.rnn.dropout_rnn_cell import DropoutRNNCell


def _fast(fn):
    # The built-in sigmoid tags its output with logits for the losses; inside a cell that is wasted work.
    return {activations.sigmoid: torch.sigmoid, activations.tanh: torch.tanh}.get(fn, fn)


def _fold_recurrent_bias(module, _incompatible_keys):
    with torch.no_grad():
        module.bias_ih_l0.add_(module.bias_hh_l0)
        module.bias_hh_l0.zero_()


class RecurrentCell(DropoutRNNCell, Layer):
    """Base class; subclasses set `_gates`, `_torch_cls` and implement `_recurrent_step`."""

    _gates = 1
    _torch_cls = nn.RNN
    _gru_layout = False

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a positive integer, "
                             f"got {units!r}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        for arg, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not isinstance(rate, numbers.Real):
                raise ValueError(f"`{arg}` must be a float between 0 and 1. Received: {arg}={rate!r}")
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.seed_generator = make_seed_generator(seed)
        self.state_size = self.units
        self.output_size = self.units
        self._act = _fast(self.activation)
        self._ract = _fast(self.recurrent_activation)

    # ------------------------------------------------------------------ weights
    def _split_bias(self):
        return False

    def _module_kwargs(self):
        return {}

    def _initial_bias(self):
        return self.bias_initializer((self._gates * self.units,))

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"The last dimension of the input to {type(self).__name__} {self.name!r} must be "
                             f"defined. Received input_shape={input_shape}.")
        g, u = self._gates, self.units
        split = self.use_bias and self._split_bias()
        dtype = torch_dtype(self.variable_dtype)
        m = self._torch_cls(in_dim, u, bias=self.use_bias and not split, batch_first=True,
                            device=self._device_cache, dtype=dtype, **self._module_kwargs())
        if split:
            m.register_parameter("bias_l0", nn.Parameter(torch.zeros(2, g * u, dtype=dtype,
                                                                     device=self._device_cache)))
        self.torch_module = m
        k2k, k2t = ((wl.gru_kernel_to_keras, wl.gru_kernel_to_torch) if self._gru_layout
                    else (wl.rnn_kernel_to_keras, wl.rnn_kernel_to_torch))
        with torch.no_grad():
            m.weight_ih_l0.copy_(k2t(self.kernel_initializer((in_dim, g * u))))
            m.weight_hh_l0.copy_(k2t(self.recurrent_initializer((u, g * u))))
        self._kernel = self._track_variable(m, "weight_ih_l0", "kernel", k2k, k2t,
                                            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self._recurrent_kernel = self._track_variable(m, "weight_hh_l0", "recurrent_kernel", k2k, k2t,
                                                      regularizer=self.recurrent_regularizer,
                                                      constraint=self.recurrent_constraint)
        self._bias = None
        if split:
            self._bias = self._track_variable(m, "bias_l0", "bias", self._perm, self._perm,
                                              regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        elif self.use_bias:
            m.bias_hh_l0.requires_grad_(False)
            m.register_load_state_dict_post_hook(_fold_recurrent_bias)
            self._bias = self._track_variable(m, "bias_ih_l0", "bias", self._bias_view, self._perm,
                                              regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                              assign_fn=self._assign_bias)
        if self.use_bias:
            with torch.no_grad():
                self._bias.assign(self._initial_bias())

    def _perm(self, t):
        return wl.gru_swap_gates(t, t.dim() - 1) if self._gru_layout else t

    def _bias_view(self, b_ih):
        return self._perm(b_ih + self.torch_module.bias_hh_l0)

    def _assign_bias(self, bias):
        m = self.torch_module
        m.bias_ih_l0.copy_(self._perm(bias))
        m.bias_hh_l0.zero_()

    def _biases(self):
        """(input bias, recurrent bias) in torch gate order, or (None, None)."""
        if not self.use_bias:
            return None, None
        m = self.torch_module
        if self._split_bias():
            b = m.bias_l0
            return b[0], b[1]
        return m.bias_ih_l0, m.bias_hh_l0

    @property
    def kernel(self):
        return self._kernel

    @property
    def recurrent_kernel(self):
        return self._recurrent_kernel

    @property
    def bias(self):
        return self._bias

    # ------------------------------------------------------------------ computation
    def _fused_ok(self, training):
        """True when the torch module computes exactly this cell (activations, reset_after...)."""
        return False

    def _run_fused(self, x, states):
        """Whole sequence (B, T, F) through the torch kernel -> (outputs (B, T, u), final states)."""
        hx = None if states is None else states[0].unsqueeze(0)
        out, h_n = self.torch_module(x, hx)
        return out, [h_n[0]]

    def _project_inputs(self, x, training):
        """x @ kernel + input bias for a step (B, F) or a sequence (B, T, F), in torch gate order."""
        m = self.torch_module
        mask = self.get_dropout_mask(x[:, 0] if x.dim() == 3 else x) if training and 0 < self.dropout < 1 else None
        if mask is not None and mask.dim() == 3:
            # One mask per gate (Keras's implementation 1, used with recurrent_dropout).
            g = self._gates
            xs = x.unsqueeze(0) * (mask.unsqueeze(2) if x.dim() == 3 else mask)
            w = m.weight_ih_l0.view(g, self.units, -1)
            out = torch.einsum("g...f,guf->...gu", xs, w).flatten(-2)
            b = self._biases()[0]
            return out + b if b is not None else out
        if mask is not None:
            x = x * (mask.unsqueeze(1) if x.dim() == 3 else mask)
        return torch.nn.functional.linear(x, m.weight_ih_l0, self._biases()[0])

    def _recurrent_matmul(self, h, training, rows=None):
        """h @ recurrent_kernel (+ recurrent bias), torch gate order; `rows` picks gate blocks."""
        m = self.torch_module
        w = m.weight_hh_l0 if rows is None else m.weight_hh_l0[rows]
        b = self._biases()[1]
        b = b if b is None or rows is None else b[rows]
        mask = self.get_recurrent_dropout_mask(h) if training and 0 < self.recurrent_dropout < 1 else None
        if mask is not None and mask.dim() == 3:
            g, first = w.shape[0] // self.units, 0 if rows is None else rows.start // self.units
            out = torch.einsum("gbv,guv->bgu", h.unsqueeze(0) * mask[first:first + g],
                               w.reshape(g, self.units, -1)).flatten(1)
            return out + b if b is not None else out
        if mask is not None:
            h = h * mask
        return torch.nn.functional.linear(h, w, b)

    def call(self, inputs, states, training=False):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        return self._recurrent_step(self._project_inputs(inputs, training), states, training)

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        dtype = torch_dtype(self.compute_dtype)
        return [torch.zeros((batch_size, s), dtype=dtype, device=self._device()) for s in sizes]

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return cfg
