"""RNN: runs a recurrent cell over the time axis of a (batch, timesteps, features) input.

Which configurations run torch's fused kernel (nn.RNN / nn.LSTM / nn.GRU: cuDNN on GPU, the fused
CPU kernel otherwise) and which fall back to the per-step cell loop:

| configuration                                                   | path                      |
|-----------------------------------------------------------------|---------------------------|
| LSTM / GRU (reset_after=True) / SimpleRNN, default activations  | fused                     |
| SimpleRNN(activation="relu")                                    | fused (nn.RNN relu)       |
| dropout > 0 (training)                                          | fused: one input mask per |
|                                                                 | sequence applied to x     |
| recurrent_dropout > 0 in inference (it is inactive there)       | fused                     |
| go_backwards, return_state, stateful, initial_state, unroll     | fused (unroll is ignored) |
| right-padded mask (Embedding(mask_zero=True), Masking)          | fused over the full       |
|                                                                 | length + gather at        |
|                                                                 | min(t, length-1)          |
| right-padded mask with LSTM and return_state or stateful        | cell loop (the last carry |
|                                                                 | is not among the outputs) |
| mask with holes (a masked step before a valid one)              | cell loop                 |
| recurrent_dropout > 0 while training                            | cell loop                 |
| GRU(reset_after=False)                                          | cell loop                 |
| any other activation / recurrent_activation                     | cell loop                 |
| user cells, StackedRNNCells                                     | cell loop                 |

Bidirectional runs its two layers this way too. The cell loop projects the inputs of every step in
one matmul and only loops over the recurrence.
"""

import torch

from torchkeras.keras_tensor import KerasTensor, flatten, map_structure, torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.layers.rnn._loop import check_mask, fmt_shape, is_right_padded, run_fused, run_loop
from torchkeras.utils import serialization


class RNN(Layer):
    """Base class for recurrent layers; also usable directly with any cell.

    Args:
        cell: a cell (a layer with `state_size` and `call(inputs, states)` returning
            `(output, new_states)`), or a list of cells (stacked with StackedRNNCells).
        return_sequences: return the full sequence (batch, timesteps, units) instead of the last output.
        return_state: also return the final states.
        go_backwards: process the sequence backwards; the returned sequence is in processing order.
        stateful: keep the last states of each batch as the initial states of the next call
            (needs a fixed batch size); `reset_states()` zeroes them.
        unroll: accepted for compatibility; torch needs no unrolling.
        zero_output_for_mask: output zeros (instead of the previous output) at masked steps.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            from torchkeras.layers.rnn.stacked_rnn_cells import StackedRNNCells
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell!r}")
        if not hasattr(cell, "state_size"):
            raise ValueError("The RNN cell should have a `state_size` attribute (single integer or list of "
                             f"integers, one integer per RNN state). Received: cell={cell!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.states = None
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    # ------------------------------------------------------------------ shapes
    @property
    def state_size(self):
        s = self.cell.state_size
        return list(flatten(s)) if isinstance(s, (list, tuple)) else [s]

    @property
    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        return size if size is not None else self.state_size[0]

    def _check_rank(self, shape):
        if len(shape) != 3:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim=3, found '
                f"ndim={len(shape)}. Full shape received: {fmt_shape(shape)}. A recurrent layer expects a 3-D "
                "input of shape (batch, timesteps, features); add a time axis (e.g. `x[:, None, :]` or "
                "Reshape) or an Embedding layer in front.")

    def build(self, sequences_shape, initial_state_shape=None):
        shape = sequences_shape
        if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        self._check_rank(shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._device_cache = self._device_cache
            self.cell._maybe_build((shape[0],) + tuple(shape[2:]))
        batch = shape[0] if shape[0] is not None else (self._batch_input_shape or (None,))[0]
        if self.stateful and batch is not None:
            self.states = [s.detach() for s in self._zero_states(batch, None)]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = sequences_shape[0] if isinstance(sequences_shape, list) else sequences_shape
        batch = shape[0]
        out = (batch, shape[1], self._output_size) if self.return_sequences else (batch, self._output_size)
        if self.return_state:
            if type(self.cell).__name__ == "StackedRNNCells":
                return [out] + [[(batch, d) for d in s] if isinstance(s, (list, tuple)) else (batch, s)
                                for s in self.cell.state_size]
            return [out] + [(batch, s) for s in self.state_size]
        return out

    def compute_output_spec(self, inputs, *args, **kwargs):
        if self.return_state and type(self.cell).__name__ == "StackedRNNCells":
            shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
            out = self.compute_output_shape(shapes)
            dtype = self.compute_dtype
            return tuple(KerasTensor(s, dtype) if isinstance(s, tuple) else [KerasTensor(d, dtype) for d in s]
                         for s in out)
        out = super().compute_output_spec(inputs, *args, **kwargs)
        return tuple(out) if isinstance(out, list) else out

    def compute_mask(self, inputs, mask=None):
        mask = flatten(mask)[0] if isinstance(mask, (list, tuple)) else mask
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * len(self.state_size)
        return out_mask

    def _symbolic_call(self, inputs, *args, **kwargs):
        if self.stateful and isinstance(inputs, KerasTensor) and inputs.shape[0] is None \
                and (self._batch_input_shape is None or self._batch_input_shape[0] is None):
            raise ValueError(
                "When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch size: "
                f"sequence.shape={fmt_shape(inputs.shape)}. Give the first layer a fixed batch size, e.g. "
                "`Input(batch_shape=(32, timesteps, features))` or `batch_input_shape=(32, timesteps, "
                "features)` / `batch_size=32` on the first layer.")
        return super()._symbolic_call(inputs, *args, **kwargs)

    # ------------------------------------------------------------------ states
    def _zero_states(self, batch, like):
        getter = getattr(self.cell, "get_initial_state", None)
        if getter is not None:
            states = getter(batch_size=batch)
            states = list(states) if isinstance(states, (list, tuple)) else [states]
        else:
            states = [torch.zeros((batch, s)) for s in self.state_size]
        if like is not None:
            states = [s.to(device=like.device, dtype=like.dtype) for s in flatten(states)]
        return list(flatten(states))

    def get_initial_state(self, batch_size):
        return self._zero_states(batch_size, None)

    def reset_states(self, states=None):
        self.reset_state(states)

    def reset_state(self, states=None):
        if self.states is not None:
            self.states = [torch.zeros_like(s) for s in self.states] if states is None else \
                [torch.as_tensor(v).to(s) for s, v in zip(self.states, flatten(states))]

    def _initial_states(self, x, initial_state):
        batch = x.shape[0]
        if initial_state is not None:
            states = [torch.as_tensor(s).to(device=x.device, dtype=x.dtype) for s in flatten(initial_state)]
            if len(states) != len(self.state_size):
                raise ValueError(f'Layer "{self.name}" expects {len(self.state_size)} initial state tensor(s) '
                                 f"of sizes {self.state_size}, but received {len(states)}.")
            return states
        if not self.stateful:
            return None
        if self.states is None:
            self.states = self._zero_states(batch, x)
        elif self.states[0].shape[0] != batch:
            raise ValueError(
                "If an RNN is stateful, the batch size of the input sequences must be the same as the batch "
                f"size of the initial state. \n- Expected batch size: {self.states[0].shape[0]}\n- Received "
                f"batch size: {batch}\nFeed batches of exactly this size (drop the remainder) or call "
                "`reset_states()` after rebuilding.")
        return [s.to(device=x.device, dtype=x.dtype) for s in self.states]

    # ------------------------------------------------------------------ call
    def forward(self, inputs, *args, **kwargs):
        if type(inputs) is torch.Tensor and inputs.dim() != 3:
            self._check_rank(tuple(inputs.shape))  # before the lazy build, so the message shows the real shape
        return super().forward(inputs, *args, **kwargs)

    def _use_fused(self, training, mask):
        cell = self.cell
        ok = getattr(cell, "_fused_ok", None)
        if ok is None or not ok(training):
            return False
        if mask is None:
            return True
        if len(self.state_size) > 1 and (self.return_state or self.stateful):
            return False
        return is_right_padded(mask)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if not sequences.is_floating_point():
            # Keras's cell matmuls promote int/bool sequences to the float weights' dtype.
            sequences = sequences.to(torch_dtype(self.compute_dtype))
        if sequences.dim() != 3:
            self._check_rank(tuple(sequences.shape))
        if mask is not None:
            mask = check_mask(mask, sequences, self.name)
        states = self._initial_states(sequences, initial_state)
        run = run_fused if self._use_fused(training, mask) else run_loop
        if states is None and run is run_loop:
            states = self._zero_states(sequences.shape[0], sequences)
        cell = self.cell
        if run is run_loop and type(cell).__name__ == "StackedRNNCells":
            states = cell._nest(states)
        try:
            last, seq, final = run(cell, sequences, states, mask, self.go_backwards, self.zero_output_for_mask,
                                   self.return_sequences, bool(training))
        finally:
            for c in [cell] + list(getattr(cell, "cells", [])):
                if hasattr(c, "reset_dropout_mask"):
                    c.reset_dropout_mask()
                    c.reset_recurrent_dropout_mask()
        flat = list(flatten(final))
        if self.stateful:
            self.states = [s.detach() for s in flat]
        output = seq if self.return_sequences else last
        if self.return_state:
            # Stacked cells return each cell's states shaped as its state_size (a tensor or a list), as Keras.
            if type(cell).__name__ == "StackedRNNCells":
                return (output, *[f if isinstance(c.state_size, (list, tuple)) else f[0]
                                  for c, f in zip(cell.cells, final)])
            return (output, *flat)
        return output

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        if type(self) is RNN:
            cfg["cell"] = serialization.serialize_keras_object(self.cell)
        return cfg

    @classmethod
    def from_config(cls, cfg, custom_objects=None):
        cfg = dict(cfg)
        if "cell" in cfg and isinstance(cfg["cell"], dict):
            from torchkeras.layers.rnn.stacked_rnn_cells import revive_layer

            cfg["cell"] = revive_layer(cfg["cell"], custom_objects)
        return super().from_config(cfg)
