"""Bidirectional: runs a recurrent layer forwards and a copy backwards, then merges the outputs."""

import torch

from torchkeras.layers.layer import Layer
from torchkeras.layers.rnn.stacked_rnn_cells import revive_layer
from torchkeras.utils import serialization

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _recreate(layer, name, go_backwards=None):
    cfg = serialization.serialize_keras_object(layer)
    cfg["config"]["name"] = name
    if go_backwards is not None:
        cfg["config"]["go_backwards"] = go_backwards
    new = serialization.deserialize_keras_object(cfg)
    if hasattr(layer, "use_cudnn"):  # not in the config, but Keras keeps it on both directions
        new.use_cudnn = layer.use_cudnn
    return new


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs (Keras 3 signature).

    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN, RNN); a fresh copy named `forward_<name>` runs forwards.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None (return both outputs).
        backward_layer: optional layer for the backward direction (must have the opposite go_backwards);
            by default a copy of `layer` with go_backwards flipped, named `backward_<name>`.
        weights: optional initial weights (forward half, then backward half).
    With return_sequences the backward output is flipped back to input time order, and both layers
    output zeros at masked steps (zero_output_for_mask), as Keras. With return_state the result is
    (output, *forward_states, *backward_states).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _recreate(layer, "forward_" + _strip(layer.name, "forward_"))
        if backward_layer is None:
            backward_layer = _recreate(layer, "backward_" + _strip(layer.name, "backward_"),
                                       go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different `go_backwards` value. "
                             f"Received: forward_layer.go_backwards {self.forward_layer.go_backwards}, "
                             f"backward_layer.go_backwards={self.backward_layer.go_backwards}")
        for a in ("stateful", "return_sequences", "return_state"):
            fv, bv = getattr(self.forward_layer, a), getattr(self.backward_layer, a)
            if fv != bv:
                raise ValueError("Forward layer and backward layer are expected to have the same value for "
                                 f'attribute "{a}", got "{fv}" for forward layer and "{bv}" for backward layer')
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self._initial_weights = weights
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, sequences_shape, initial_state_shape=None):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._device_cache = self._device_cache
                sub._maybe_build(sequences_shape)
        if self._initial_weights is not None:
            w, self._initial_weights = list(self._initial_weights), None
            self.set_weights(w)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        out = self.forward_layer.compute_output_shape(sequences_shape)
        states = []
        if self.return_state:
            out, states = out[0], list(out[1:])
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (None if out[-1] is None else out[-1] * 2,)
        outs = [tuple(out), tuple(out)] if self.merge_mode is None else [tuple(out)]
        if self.return_state or self.merge_mode is None:
            return outs + states + states
        return outs[0]

    def compute_output_spec(self, inputs, *args, **kwargs):
        out = super().compute_output_spec(inputs, *args, **kwargs)
        return tuple(out) if isinstance(out, list) else out

    def call(self, sequences, initial_state=None, mask=None, training=None):
        fw_state = bw_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_state, bw_state = list(initial_state[:half]), list(initial_state[half:])
        kw = {"training": training}
        if mask is not None:
            kw["mask"] = mask
        y = self.forward_layer(sequences, initial_state=fw_state, **kw)
        y_rev = self.backward_layer(sequences, initial_state=bw_state, **kw)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = torch.flip(y_rev, (1,))
        if self.merge_mode == "concat":
            out = torch.cat([y, y_rev], dim=-1)
        elif self.merge_mode == "sum":
            out = y + y_rev
        elif self.merge_mode == "ave":
            out = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            out = y * y_rev
        else:
            return (y, y_rev) + states
        return (out,) + states if self.return_state else out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            n = len(self.forward_layer.state_size) * 2
            return ([out_mask, out_mask] if self.merge_mode is None else [out_mask]) + [None] * n
        return [out_mask, out_mask] if self.merge_mode is None else out_mask

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    def get_config(self):
        cfg = super().get_config()
        cfg["merge_mode"] = self.merge_mode
        cfg["layer"] = serialization.serialize_keras_object(self.forward_layer)
        cfg["backward_layer"] = serialization.serialize_keras_object(self.backward_layer)
        return cfg

    @classmethod
    def from_config(cls, cfg, custom_objects=None):
        cfg = dict(cfg)
        cfg["layer"] = revive_layer(cfg["layer"], custom_objects)
        if cfg.get("backward_layer") is not None:
            cfg["backward_layer"] = revive_layer(cfg["backward_layer"], custom_objects)
        return cls(**cfg)
