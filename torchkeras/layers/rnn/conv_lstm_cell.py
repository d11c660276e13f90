"""ConvLSTMCell: one step of a convolutional LSTM (Keras's cell of ConvLSTM1D/2D/3D).

The gates are Keras's i, f, c, o, stacked along the output channels of ONE torch conv (4 * filters
channels), so the Keras kernel (k..., in, 4F) maps to the torch conv weight (4F, in, k...) by the
usual conv permute and the gate blocks stay in place. The cell works channels-first internally
(torch's conv layout); the layer converts the sequence once and its outputs once.

With dropout (training) Keras draws four masks, one per gate: the four masked copies are
concatenated along channels and convolved as a grouped conv (groups=4), one call for all gates.
"""

import torch
import torch.nn.functional as F
from torch import nn

from torchkeras import activations, config, constraints, initializers, regularizers
from torchkeras import weight_layout as wl
from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.convolutional.conv_utils import conv_output_spatial
from torchkeras.layers.convolutional.padding import apply_pad, conv_padding, normalize_padding
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.rnn._cell_base import RecurrentCell
from torchkeras.utils.validation import normalize_tuple

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def to_cf(t, data_format, lead=1):
    """(B, [T,] *S, C) -> (B, [T,] C, *S) view; `lead` counts the axes before the spatial ones."""
    if data_format == "channels_first":
        return t
    nd = t.dim()
    return t.permute(*range(lead), nd - 1, *range(lead, nd - 1))


def from_cf(t, data_format, lead=1):
    if data_format == "channels_first":
        return t
    nd = t.dim()
    return t.permute(*range(lead), *range(lead + 1, nd), lead)


class ConvLSTMCell(RecurrentCell):
    """Cell class for the ConvLSTM layers (Keras's `ConvLSTMCell(rank, filters, kernel_size, ...)`).

    Weights: kernel (k..., in, 4F), recurrent_kernel (k..., F, 4F), bias (4F,), gates i, f, c, o.
    The recurrent conv uses "same" padding, stride 1 and no dilation, as Keras.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        # RecurrentCell's own __init__ validates `units`, which a conv cell does not have.
        RecurrentCell.__init__(
            self, 1, activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer,
            bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
            recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        del self.units
        if rank > 3:
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. Received: rank={rank}")
        self.rank = rank
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides", allow_zero=True)
        self.padding = normalize_padding(padding, layer=self)
        self.data_format = config.standardize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please provide "
                f"`strides=1` or `dilation_rate=1`. Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}")
        self.unit_forget_bias = bool(unit_forget_bias)
        self.dropout_mask_count = 4
        self.input_spec = InputSpec(ndim=rank + 2)
        self.state_size = [filters, filters]
        self.output_size = filters
        self._pads = {}

    # ------------------------------------------------------------------ weights
    def build(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        cf = self.data_format == "channels_first"
        spatial = inputs_shape[2:] if cf else inputs_shape[1:-1]
        if None in spatial:
            raise ValueError("ConvLSTM layers only support static input shapes for the spatial dimension. "
                             f"Received invalid input shape: input_shape={inputs_shape}")
        in_dim = inputs_shape[1 if cf else -1]
        if in_dim is None:
            raise ValueError("The channel dimension of the inputs (last axis) should be defined. Found None. "
                             f"Full input shape received: input_shape={inputs_shape}")
        conv_output_spatial(self, inputs_shape)  # Keras's error when a "valid" window does not fit
        self.spatial_dims, self.input_dim = tuple(spatial), in_dim
        self.input_spec = InputSpec(ndim=self.rank + 2, shape=(None,) + inputs_shape[1:])
        f4, dtype, dev = 4 * self.filters, torch_dtype(self.variable_dtype), self._device_cache
        k_shape = self.kernel_size + (in_dim, f4)
        r_shape = self.kernel_size + (self.filters, f4)
        self.weight_ih = nn.Parameter(wl.conv_to_torch(self.kernel_initializer(k_shape)).to(dtype=dtype, device=dev).contiguous())
        self.weight_hh = nn.Parameter(
            wl.conv_to_torch(self.recurrent_initializer(r_shape)).to(dtype=dtype, device=dev).contiguous())
        self._kernel = self._track_variable(self, "weight_ih", "kernel", wl.conv_to_keras, wl.conv_to_torch,
                                            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self._recurrent_kernel = self._track_variable(
            self, "weight_hh", "recurrent_kernel", wl.conv_to_keras, wl.conv_to_torch,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self._bias = None
        if self.use_bias:
            f = self.filters
            if self.unit_forget_bias:
                b = torch.cat([self.bias_initializer((f,)), torch.ones(f), self.bias_initializer((2 * f,))])
            else:
                b = self.bias_initializer((f4,))
            self.bias_ih = nn.Parameter(torch.as_tensor(b).to(dtype=dtype, device=dev))
            self._bias = self._track_variable(self, "bias_ih", "bias", regularizer=self.bias_regularizer,
                                              constraint=self.bias_constraint)

    # ------------------------------------------------------------------ computation
    def _padding(self, spatial, recurrent):
        key = (spatial, recurrent)
        p = self._pads.get(key)
        if p is None:
            one = (1,) * self.rank
            p = (conv_padding(spatial, self.kernel_size, one, one, "same") if recurrent else
                 conv_padding(spatial, self.kernel_size, self.strides, self.dilation_rate, self.padding))
            self._pads[key] = p
        return p

    def _conv(self, x, weight, bias, recurrent, groups=1):
        sym, pad = self._padding(tuple(x.shape[2:]), recurrent)
        stride, dil = ((1,) * self.rank, 1) if recurrent else (self.strides, self.dilation_rate)
        return _CONV[self.rank](apply_pad(x, pad), weight, bias, stride, sym, dil, groups)

    def _project_inputs(self, x, training):
        """Input conv (+ bias) of every timestep of a (B, T, *step) Keras-layout sequence, channels-first."""
        b, t = x.shape[:2]
        x = to_cf(x, self.data_format, lead=2)
        mask = self.get_dropout_mask(x[:, 0]) if training and 0 < self.dropout < 1 else None
        if mask is not None:
            # Gate g convolves its own masked copy of x: a grouped conv over the 4 copies.
            x = torch.cat([x * m.unsqueeze(1) for m in mask], dim=2)
        groups = 1 if mask is None else 4
        out = self._conv(x.reshape(b * t, *x.shape[2:]), self.weight_ih, self._bias_param(), False, groups)
        return out.reshape(b, t, *out.shape[1:])

    def _bias_param(self):
        return self.bias_ih if self.use_bias else None

    def _recurrent_step(self, xp, states, training):
        h, c = states[0], states[1]
        mask = self.get_recurrent_dropout_mask(h) if training and 0 < self.recurrent_dropout < 1 else None
        if mask is not None:
            rec = self._conv(torch.cat([h * m for m in mask], dim=1), self.weight_hh, None, True, groups=4)
        else:
            rec = self._conv(h, self.weight_hh, None, True)
        i, f, g, o = (xp + rec).chunk(4, dim=1)
        c = self._ract(f) * c + self._ract(i) * self._act(g)
        h = self._ract(o) * self._act(c)
        return h, [h, c]

    def _fused_ok(self, training):
        return False

    def call(self, inputs, states, training=False):
        df = self.data_format
        states = [to_cf(torch.as_tensor(s).to(device=inputs.device, dtype=inputs.dtype), df) for s in states]
        h, (h, c) = self._recurrent_step(self._project_inputs(inputs.unsqueeze(1), training)[:, 0], states,
                                         training)
        self.reset_dropout_mask()
        self.reset_recurrent_dropout_mask()
        h, c = from_cf(h, df), from_cf(c, df)
        return h, [h, c]

    def compute_output_shape(self, inputs_shape, states_shape=None):
        out = conv_output_spatial(self, tuple(inputs_shape))
        shape = ((inputs_shape[0],) + out + (self.filters,) if self.data_format == "channels_last"
                 else (inputs_shape[0], self.filters) + out)
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        sd = self.spatial_dims
        shape = (batch_size,) + sd + (self.input_dim,) if self.data_format == "channels_last" else \
            (batch_size, self.input_dim) + sd
        out = self.compute_output_shape(shape)[0]
        dtype = torch_dtype(self.compute_dtype)
        return [torch.zeros(out, dtype=dtype, device=self._device()) for _ in range(2)]

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
        })
        return cfg
