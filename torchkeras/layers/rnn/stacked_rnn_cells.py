"""StackedRNNCells: several cells run as one cell (each feeds its output to the next at every step)."""

import torch

from torchkeras.keras_tensor import flatten, torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.utils import serialization


def _as_list(s):
    return list(s) if isinstance(s, (list, tuple)) else [s]


class StackedRNNCells(Layer):
    """Wraps a list of cells; `RNN(StackedRNNCells(cells))` equals `RNN(cells)`.

    state_size is the list of the cells' state sizes; states are passed as one list per cell.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell) or not hasattr(cell, "state_size"):
                raise ValueError("All cells must have a `call` method and a `state_size` attribute. "
                                 f"Received cells={cells}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        return size if size is not None else _as_list(last.state_size)[0]

    def _nest(self, flat_states):
        """Flat list of state tensors -> one list per cell."""
        out, i = [], 0
        for c in self.cells:
            n = len(_as_list(c.state_size))
            out.append(list(flat_states[i:i + n]))
            i += n
        return out

    def get_initial_state(self, batch_size=None):
        states = []
        for c in self.cells:
            getter = getattr(c, "get_initial_state", None)
            if getter is None:  # as Keras: zeros of the cell's state sizes
                dtype = torch_dtype(self.compute_dtype)
                states.append([torch.zeros((batch_size, d), dtype=dtype) for d in _as_list(c.state_size)])
            else:
                states.append(_as_list(getter(batch_size=batch_size)))
        return states

    def build(self, input_shape):
        shape = tuple(input_shape)
        for c in self.cells:
            if isinstance(c, Layer) and not c.built:
                c._device_cache = self._device_cache
                c._maybe_build(shape)
            out = getattr(c, "output_size", None)
            shape = shape[:-1] + ((out if out is not None else _as_list(c.state_size)[0]),)

    def call(self, inputs, states, training=False):
        if len(states) != len(self.cells) or not all(isinstance(s, (list, tuple)) for s in states):
            states = self._nest(list(flatten(states)))
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            inputs, cell_new = cell(inputs, list(cell_states), training=training)
            new_states.append(_as_list(cell_new))
        return inputs, new_states

    def get_config(self):
        cfg = super().get_config()
        cfg["cells"] = [serialization.serialize_keras_object(c) for c in self.cells]
        return cfg

    @classmethod
    def from_config(cls, cfg, custom_objects=None):
        cfg = dict(cfg)
        cfg["cells"] = [revive_layer(c, custom_objects) for c in cfg["cells"]]
        return cls(**cfg)


def revive_layer(cell_config, custom_objects=None):
    """As Keras's deserialization: a nested layer (cell, wrapped layer) saved built comes back built
    from its build_config."""
    cell = serialization.deserialize_keras_object(cell_config, custom_objects)
    build_config = cell_config.get("build_config") if isinstance(cell_config, dict) else None
    if isinstance(cell, Layer) and not cell.built and build_config:
        cell.build_from_config(build_config)
    return cell
