"""Keras's top-level scopes and small graph objects: name_scope, device, StatelessScope, SymbolicScope,
RematScope / remat, Operation and Function."""

import contextlib
import threading

import torch
from torch.utils.checkpoint import checkpoint

_STATE = threading.local()


def _stack(name):
    if not hasattr(_STATE, name):
        setattr(_STATE, name, [])
    return getattr(_STATE, name)


class name_scope:  # noqa: N801 - Keras's public spelling
    """`with keras.name_scope("block1"):` - a hierarchical name prefix (`current_path()` reads it)."""

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None, **kwargs):
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character `/`. "
                             f"Received: name={name!r}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._pushed = False

    def __enter__(self):
        stack = _stack("names")
        if self.deduplicate and stack and stack[-1].name == self.name and stack[-1].caller is self.caller \
                and self.caller is not None:
            return self  # a layer calling itself again does not nest its own name
        stack.append(self)
        self._pushed = True
        return self

    def __exit__(self, *exc):
        if self._pushed:
            _stack("names").pop()
            self._pushed = False


def current_path():
    return "/".join(s.name for s in _stack("names"))


@contextlib.contextmanager
def device(device_name):
    """`with keras.device("cpu:0"):` / `"gpu:0"`: tensors and layers created inside go to that device."""
    name = str(device_name).lower()
    if name.startswith("/"):
        name = name.split("device:")[-1]
    kind, _, index = name.partition(":")
    kind = {"gpu": "cuda"}.get(kind, kind)
    if kind not in ("cpu", "cuda", "mps", "meta"):
        raise ValueError(f"Invalid value for argument `device_name`. Expected a device such as 'cpu', 'cpu:0' or "
                         f"'gpu:0'. Received: device_name={device_name!r}")
    dev = torch.device(kind if kind == "cpu" or not index else f"{kind}:{index}")
    with dev:
        yield dev


class StatelessScope:
    """Run code with some variables temporarily holding given values; updates are collected, not kept.

    Inside the scope each mapped variable holds its mapped value and assignments write to it; on exit the
    values reached are available from `get_current_value(variable)` and every mapped variable gets its
    original value back."""

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        from torchkeras.variables import is_variable

        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self._mapped = []
        self.state_mapping = {}
        for k, v in (state_mapping or []):
            if not is_variable(k):
                raise ValueError("Invalid reference variable in StatelessScope: all keys in argument `mapping` "
                                 f"must be Variable instances. Received instead: {k}")
            value = v.value if is_variable(v) else v
            value = torch.as_tensor(value.detach() if isinstance(value, torch.Tensor) else value)
            if tuple(value.shape) != tuple(k.shape):
                raise ValueError("Invalid variable value in StatelessScope: all values in argument `mapping` "
                                 "must be tensors with a shape that matches the corresponding variable shape. "
                                 f"For variable {k}, received invalid value {value} with shape {tuple(value.shape)}.")
            self._mapped.append((k, value))

    def __enter__(self):
        self._saved = []
        for k, v in self._mapped:
            self._saved.append((k, k.value.detach().clone()))
            k.assign(v)
        _stack("stateless").append(self)
        return self

    def add_loss(self, loss):
        self.losses.append(loss)

    def add_update(self, update):
        variable, value = update
        self.state_mapping[id(variable)] = value

    def get_current_value(self, variable):
        return self.state_mapping.get(id(variable), None)

    def __exit__(self, *exc):
        _stack("stateless").pop()
        for k, original in reversed(self._saved):
            self.state_mapping[id(k)] = k.value.detach().clone()
            k.assign(original)


def in_stateless_scope():
    return bool(_stack("stateless"))


def get_stateless_scope():
    stack = _stack("stateless")
    return stack[-1] if stack else None


class SymbolicScope:
    """Marks code that only traces shapes (Keras's compute_output_spec); torchkeras traces with fake tensors."""

    def __enter__(self):
        _stack("symbolic").append(self)
        return self

    def __exit__(self, *exc):
        _stack("symbolic").pop()


def in_symbolic_scope():
    return bool(_stack("symbolic"))


_REMAT_MODES = (None, "full", "activations", "larger_than", "list_of_layers")


class RematScope:
    """Rematerialization (activation checkpointing) for the layers called inside, as Keras's RematScope."""

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _REMAT_MODES:
            raise ValueError(f"Invalid mode '{mode}'. Supported modes are: {list(_REMAT_MODES)}")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self):
        _stack("remat").append(self)
        return self

    def __exit__(self, *exc):
        _stack("remat").pop()


def get_current_remat_mode():
    stack = _stack("remat")
    return stack[-1] if stack and stack[-1].mode is not None else None


def remat(f):
    """Wrap `f` so its activations are recomputed in the backward pass (torch.utils.checkpoint)."""
    def wrapped(*args, **kwargs):
        if not torch.is_grad_enabled():
            return f(*args, **kwargs)
        return checkpoint(f, *args, use_reentrant=False, **kwargs)
    wrapped.__wrapped__ = f
    return wrapped


class Operation:
    """Keras's base for custom ops: subclass with `call(...)` and `compute_output_spec(...)`; calling it on
    symbolic tensors gives symbolic outputs, on tensors runs `call`."""

    def __init__(self, name=None):
        from torchkeras import config

        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError("Argument `name` must be a string and cannot contain character `/`. "
                             f"Received: name={name!r} (of type {type(name)})")
        self.name = name or config.unique_name(config.to_snake_case(type(self).__name__))

    def __call__(self, *args, **kwargs):
        from torchkeras.keras_tensor import any_symbolic

        if any_symbolic((args, kwargs)):
            return self.compute_output_spec(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement `call()`.")

    def compute_output_spec(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement `compute_output_spec()` to be called "
                                  "on symbolic tensors.")

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Function:
    """`keras.Function(inputs, outputs)`: the graph between symbolic inputs and outputs, callable on tensors."""

    def __init__(self, inputs, outputs, name=None):
        from torchkeras.models.functional import Functional

        self._graph = Functional(inputs, outputs, name=name)
        self.name = self._graph.name
        self.inputs, self.outputs = inputs, outputs

    @property
    def operations(self):
        return [la for la in self._graph.layers if type(la).__name__ != "InputLayer"]

    def __call__(self, inputs):
        return self._graph(inputs)

    def compute_output_spec(self, inputs):
        return self._graph.compute_output_spec(inputs)
