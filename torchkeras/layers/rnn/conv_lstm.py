"""ConvLSTM: the shared N-D convolutional LSTM layer behind ConvLSTM1D / 2D / 3D.

The input convolution of every timestep runs as one batched conv over (batch * time); only the
recurrent conv stays in the time loop (the RNN package's cell loop, with Keras's masking rules:
masked steps keep the states and repeat the previous output). Sequences and states are handled
channels-first inside and converted back to the layer's data_format once.
"""

from torchkeras import regularizers
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.rnn._loop import check_mask, fmt_shape, run_loop
from torchkeras.layers.rnn.conv_lstm_cell import ConvLSTMCell, from_cf, to_cf
from torchkeras.layers.rnn.rnn import RNN

_CELL_ATTRS = frozenset((
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
    "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed", "kernel",
    "recurrent_kernel", "bias"))


class ConvLSTM(RNN):
    """Abstract N-D convolutional LSTM (Keras's `ConvLSTM(rank, filters, kernel_size, ...)`).

    Input (batch, time, *spatial, channels) (channels_last) or (batch, time, channels, *spatial);
    output (batch, *spatial', filters), with return_sequences (batch, time, *spatial', filters);
    with return_state also the last h and c.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        self._rank = rank
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name in _CELL_ATTRS:
                return getattr(self._modules["cell"], name)
            raise

    def _check_rank(self, shape):
        want = self._rank + 3
        if len(shape) != want:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim={want}, found '
                f"ndim={len(shape)}. Full shape received: {fmt_shape(shape)}. {type(self).__name__} expects "
                f"(batch, time, {self._rank} spatial dims and channels).")

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = sequences_shape[0] if isinstance(sequences_shape, list) else sequences_shape
        batch, steps = shape[0], shape[1]
        state = self.cell.compute_output_shape((batch,) + tuple(shape[2:]))[0]
        out = (batch, steps) + state[1:] if self.return_sequences else state
        if self.return_state:
            return [out, state, state]
        return out

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if not sequences.is_floating_point():
            sequences = sequences.to(self.cell.weight_ih.dtype)
        if sequences.dim() != self._rank + 3:
            self._check_rank(tuple(sequences.shape))
        batch, steps = sequences.shape[:2]
        if mask is not None:
            # One flag per (sample, step), broadcast over the state's channel and spatial axes.
            mask = check_mask(mask, sequences, self.name).view(batch, steps, *(1,) * self._rank)
        states = self._initial_states(sequences, initial_state)
        if states is None:
            states = self._zero_states(batch, sequences)
        df, cell = self.data_format, self.cell
        try:
            last, seq, final = run_loop(cell, sequences, [to_cf(s, df) for s in states], mask,
                                        self.go_backwards, self.zero_output_for_mask, self.return_sequences,
                                        bool(training))
        finally:
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        final = [from_cf(s, df) for s in final]
        if self.stateful:
            self.states = [s.detach() for s in final]
        output = from_cf(seq, df, lead=2) if self.return_sequences else from_cf(last, df)
        if self.return_state:
            return (output, *final)
        return output

    def get_config(self):
        cfg = super().get_config()
        cell_cfg = self.cell.get_config()
        for k in ("name", "trainable", "dtype"):
            cell_cfg.pop(k, None)
        cfg.update(cell_cfg)
        cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return cfg
