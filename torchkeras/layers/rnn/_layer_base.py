"""Shared plumbing of SimpleRNN / LSTM / GRU: a built-in cell wrapped in RNN, with Keras's flat config."""

from torchkeras import regularizers
from torchkeras.layers.rnn.rnn import RNN

_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask")


class BuiltinRNN(RNN):
    """An RNN whose cell is built from the layer's own arguments (the cell is named `<layer>_cell`)."""

    _cell_cls = None

    def __init__(self, units, *, activity_regularizer=None, cell_kwargs, **kwargs):
        rnn_kwargs = {k: kwargs.pop(k) for k in _RNN_ARGS if k in kwargs}
        base = {k: kwargs[k] for k in ("dtype", "trainable") if k in kwargs}
        cell = self._cell_cls(units, name=self._cell_name(), **cell_kwargs, **base)
        super().__init__(cell, activity_regularizer=activity_regularizer, **rnn_kwargs, **kwargs)

    @classmethod
    def _cell_name(cls):
        return {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}.get(cls.__name__, "cell")

    def __getattr__(self, name):
        # units, activation, kernel_initializer, ... live on the cell, as in Keras.
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name in self._CELL_ATTRS:
                return getattr(self._modules["cell"], name)
            raise

    _CELL_ATTRS = frozenset((
        "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "reset_after",
        "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
        "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
        "bias_constraint", "dropout", "recurrent_dropout", "seed", "kernel", "recurrent_kernel", "bias"))

    def get_config(self):
        cfg = super().get_config()
        cell_cfg = self.cell.get_config()
        for k in ("name", "trainable", "dtype"):
            cell_cfg.pop(k, None)
        cfg.update(cell_cfg)
        cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return cfg
