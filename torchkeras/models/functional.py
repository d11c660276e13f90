"""Functional models: a graph of layer calls on symbolic tensors, compiled once into a flat plan."""

import warnings

import numpy as np
import torch

from torchkeras import config
from torchkeras.keras_tensor import KerasTensor, flatten, map_structure
from torchkeras.layers.core.input_layer import InputLayer
from torchkeras.models.functional_inputs import flatten_with_paths, path_string, standardize_inputs
from torchkeras.models.model import Model
from torchkeras.models.sequential import direct_calls_allowed, hookless


class _Slot:
    """Marks where a tensor computed earlier in the plan is substituted into a call's arguments."""
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def _fill(template, slots):
    if isinstance(template, _Slot):
        return slots[template.index]
    if isinstance(template, list):
        return [_fill(t, slots) for t in template]
    if isinstance(template, tuple):
        return tuple(_fill(t, slots) for t in template)
    if isinstance(template, dict):
        return {k: _fill(v, slots) for k, v in template.items()}
    return template


class KerasInputError(TypeError, ValueError):
    """Keras raises ValueError here and torch code expects TypeError: this is both."""


def _check_structure(struct, arg):
    for t in flatten(struct):
        if not isinstance(t, KerasTensor):
            raise KerasInputError(f"All `{arg}` values must be KerasTensors (symbolic tensors from `keras.Input` or layer "
                                  f"calls on them). Received: {arg}={struct} including invalid value {t!r} of type "
                                  f"{type(t)}")


def _is_input_tensor(t):
    return t._keras_history is not None and isinstance(t._keras_history[0].layer, InputLayer)


def _clone_graph(inputs, outputs):
    """Keras's clone_graph_nodes: Inputs for the intermediate tensors in `inputs`, and new nodes (same
    layers, fresh tensors) for every call between them and `outputs`."""
    from torchkeras.keras_tensor import Node
    from torchkeras.layers.core.input_layer import Input

    mapping = {}
    for t in flatten(inputs):
        if _is_input_tensor(t):
            mapping[id(t)] = t
        elif id(t) not in mapping:
            mapping[id(t)] = Input(batch_shape=t.shape, dtype=t.dtype, name=f"{t.name}CLONE" if t.name else None)
    order, seen = [], set()

    def visit(t):
        if id(t) in mapping or t._keras_history is None:
            return
        node = t._keras_history[0]
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        order.append(node)

    for t in flatten(outputs):
        visit(t)

    def swap(x):
        if not isinstance(x, KerasTensor):
            return x
        if id(x) not in mapping:
            mapping[id(x)] = KerasTensor(x.shape, x.dtype, name=x.name)
        return mapping[id(x)]

    for node in order:
        if isinstance(node.layer, InputLayer):
            continue
        new = Node(node.layer, map_structure(swap, node.args), map_structure(swap, node.kwargs),
                   map_structure(swap, node.outputs))
        for i, t in enumerate(new.flat_outputs):
            if isinstance(t, KerasTensor):
                t._keras_history = (new, i)
        node.layer._inbound_nodes.append(new)
    return map_structure(swap, inputs), map_structure(swap, outputs)


class Functional(Model):
    _keras_module = "keras.src.models.functional"  # what Keras writes; keras.Functional does not exist

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        # Keras 2 spelling Model(input=..., output=...).
        if inputs is None and "input" in kwargs:
            inputs = kwargs.pop("input")
        if outputs is None and "output" in kwargs:
            outputs = kwargs.pop("output")
        if inputs is None or outputs is None:
            raise ValueError("A functional Model needs both `inputs` and `outputs`: Model(inputs=x, outputs=y).")
        if isinstance(inputs, dict):
            for k, v in inputs.items():
                if isinstance(v, KerasTensor) and k != v.name:
                    warnings.warn(
                        "When providing `inputs` as a dict, all keys in the dict must match the names of the "
                        f"corresponding tensors. Received key '{k}' mapping to value {v} which has name "
                        f"'{v.name}'. Change the tensor name to '{k}' (via `Input(..., name='{k}')`)",
                        stacklevel=3)
        _check_structure(inputs, "inputs")
        _check_structure(outputs, "outputs")
        super().__init__(name=name or _functional_name(), trainable=trainable, **kwargs)
        if not all(_is_input_tensor(t) for t in flatten(inputs)):
            # A model between intermediate tensors: new Inputs stand in for them (Keras's slicing).
            inputs, outputs = _clone_graph(inputs, outputs)
        # Tuples stay tuples: Keras returns the outputs in the structure they were given.
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._build_plan()
        self.built = True
        self._build_shapes = map_structure(lambda t: t.shape, inputs)

    def _build_plan(self):
        flat_in = flatten(self._inputs_struct)
        flat_out = flatten(self._outputs_struct)
        input_ids = {id(t) for t in flat_in}
        order, seen = [], set()

        def visit(t, path):  # path: where the output being traced sits in `outputs` (for errors)
            node = t._keras_history[0] if t._keras_history else None
            if node is None:
                raise ValueError(f"Tensor {t!r} was not produced by a layer call; it cannot be a model output.")
            if id(node) in seen or id(t) in input_ids:
                # An intermediate tensor given as an input is fed directly (Keras clones it into a
                # fresh Input): the layer that produced it is not part of the model.
                if id(t) in input_ids and id(node) not in seen and isinstance(node.layer, InputLayer):
                    seen.add(id(node))
                    order.append(node)
                return
            if isinstance(node.layer, InputLayer):
                raise ValueError(
                    f"Output with path `{path_string(path)}` is not connected to `inputs`. "
                    f"Graph disconnected: cannot obtain value for tensor {t!r} at layer \"{node.layer.name}\": "
                    f"it is an Input that is not among the model's `inputs` "
                    f"({[x.name for x in flat_in]}). Add it to `inputs`, or build the output from the given inputs.")
            for parent in node.input_tensors:
                visit(parent, path)
            seen.add(id(node))
            order.append(node)

        for path, t in flatten_with_paths(self._outputs_struct):
            visit(t, path)
        # Keras accepts inputs that no output uses (they are fed and ignored), so do we.
        # Inputs first, in the order given (Keras's model.layers lists InputLayers where the walk meets them).
        slot_of = {}
        for t in flat_in:
            slot_of[id(t)] = len(slot_of)
        self._input_slots = [slot_of[id(t)] for t in flat_in]
        plan = []
        for node in order:
            layer = node.layer
            if isinstance(layer, InputLayer) and id(node.flat_outputs[0]) in slot_of:
                continue
            args = map_structure(lambda x: _Slot(slot_of[id(x)]) if isinstance(x, KerasTensor) else x, node.args)
            kwargs = map_structure(lambda x: _Slot(slot_of[id(x)]) if isinstance(x, KerasTensor) else x, node.kwargs)
            out_slots = []
            for t in node.flat_outputs:
                slot_of[id(t)] = len(slot_of)
                out_slots.append(slot_of[id(t)])
            simple = len(args) == 1 and isinstance(args[0], _Slot) and not kwargs and len(out_slots) == 1 \
                and isinstance(node.outputs, KerasTensor)
            plan.append((layer, args, kwargs, out_slots, simple, node.outputs, node))
        layers = _keras_layer_order(order, flat_out, flat_in)
        names = [layer.name for layer in layers if not getattr(layer, "_is_op", False)]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            raise ValueError(f'The name "{dup}" is used {names.count(dup)} times in the model. All layer names '
                             "should be unique: pass distinct `name=` arguments.")
        for i, layer in enumerate(layers):
            self.add_module(str(i), layer)
        self._plan = plan
        self._n_slots = len(slot_of)
        self._output_slots = map_structure(lambda t: slot_of[id(t)], self._outputs_struct)

    @property
    def inputs(self):
        return flatten(self._inputs_struct)

    @property
    def outputs(self):
        return flatten(self._outputs_struct)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        return map_structure(lambda t: t.shape, self._inputs_struct)

    @property
    def output_shape(self):
        return map_structure(lambda t: t.shape, self._outputs_struct)

    @property
    def layers(self):
        return [layer for layer in self._child_layers() if not getattr(layer, "_is_op", False)]

    def _convert_input(self, x):
        # Nested inputs ([[a], b] for a model of two Inputs) convert leaf by leaf, as Keras converts
        # each flat input; a plain nested list of numbers is one array.
        if isinstance(x, dict):
            return {k: self._convert_input(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)) and _holds_arrays(x):
            return type(x)(self._convert_input(v) for v in x)
        return super()._convert_input(x)

    @property
    def operations(self):
        """Keras's `model.operations`: the layers and recorded ops of the graph."""
        return list(self._child_layers())

    def call(self, inputs, training=None, mask=None):
        slots = [None] * self._n_slots
        for s, x in zip(self._input_slots, standardize_inputs(self, inputs)):
            slots[s] = x
        direct = direct_calls_allowed()
        # Keras: a `training` given to the model call (fit/evaluate/predict always give one)
        # overrides a node's recorded `layer(x, training=True)`; a plain model(x) keeps it.
        override = training is not None and config.call_context.explicit_training
        for layer, args, kwargs, out_slots, simple, _, _ in self._plan:
            if simple:
                x = slots[args[0].index]
                slots[out_slots[0]] = layer.forward(x) if direct and hookless(layer) else layer(x)
                continue
            if override and "training" in kwargs:
                kwargs = {**kwargs, "training": training}
            out = layer(*_fill(args, slots), **_fill(kwargs, slots))
            for s, o in zip(out_slots, flatten(out)):
                slots[s] = o
        out = map_structure(lambda s: slots[s], self._output_slots)
        # Keras's unpack_singleton: a one-element output list gives the tensor itself.
        return out[0] if isinstance(out, (list, tuple)) and len(out) == 1 else out

    def compute_output_shape(self, input_shape):
        return self.output_shape

    def compute_output_spec(self, inputs, *args, **kwargs):
        # The batch size of the symbolic inputs carries over to outputs whose batch axis is unknown.
        sizes = {tuple(t.shape)[0] for t in flatten(inputs) if hasattr(t, "shape") and len(t.shape)}
        own = {t.shape[0] for t in self.inputs if t.shape}
        batch = next(iter(sizes)) if len(sizes) == 1 and own <= {None} else None

        def spec(t):
            shape = t.shape
            if batch is not None and shape and shape[0] is None:
                shape = (batch,) + tuple(shape[1:])
            return KerasTensor(shape, t.dtype)
        return map_structure(spec, self._outputs_struct)

    def get_config(self):
        from torchkeras.models.functional_config import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from torchkeras.models.functional_config import functional_from_config
        return functional_from_config(cls, config, custom_objects=custom_objects)


def _holds_arrays(x):
    if isinstance(x, (list, tuple)):
        return any(_holds_arrays(v) for v in x)
    return x is None or isinstance(x, (dict, torch.Tensor)) or hasattr(x, "__array__") and not np.isscalar(x)


def _keras_layer_order(order, flat_out, flat_in):
    """Keras's model.layers order (it fixes weights order and file paths): by decreasing node depth
    from the outputs, ties broken by first sight in a depth-first walk from the outputs."""
    first_seen = {}
    input_ids = {id(t) for t in flat_in}

    def walk(t, done):
        node = t._keras_history[0]
        if id(node) in done:
            return
        first_seen.setdefault(id(node.layer), len(first_seen))
        if id(t) not in input_ids:
            for parent in node.input_tensors:
                walk(parent, done)
        done.add(id(node))

    done = set()
    for t in flat_out:
        walk(t, done)
    node_depth, layer_depth = {}, {}
    for node in reversed(order):  # order is a topological order (parents first)
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for parent in node.parents:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    layers = {id(n.layer): n.layer for n in order}
    for t in flat_in:  # an input no output uses still belongs to the model (Keras: depth 0, first)
        layer = t._keras_history[0].layer
        if id(layer) not in layers:
            layers[id(layer)] = layer
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = -1
    return sorted(layers.values(), key=lambda l: (-layer_depth[id(l)], first_seen[id(l)]))


def _functional_name():
    from torchkeras import config
    return config.unique_name("functional")
