"""Functional model config in Keras 3's format (layers with inbound_nodes, input_layers, output_layers)."""

from torchkeras.keras_tensor import flatten, map_structure
from torchkeras.models.functional_ops import (
    deserialize_op,
    is_op_entry,
    serialize_op,
    serialize_value,
)


def _model_nodes(model):
    """Each layer's nodes that belong to this model, in plan order, so node indices are model-relative."""
    per_layer = {}
    input_nodes = [t._keras_history[0] for t in model.inputs]
    for node in input_nodes + [step[6] for step in model._plan]:
        per_layer.setdefault(id(node.layer), [])
        if node not in per_layer[id(node.layer)]:
            per_layer[id(node.layer)].append(node)
    return per_layer


def _is_functional(layer):
    from torchkeras.models.functional import Functional
    return isinstance(layer, Functional)


def functional_config(model):
    from torchkeras.layers.core.input_layer import InputLayer
    from torchkeras.utils.serialization import serialize_keras_object

    nodes = _model_nodes(model)

    def history(t):
        node, idx = t._keras_history
        return [node.layer.name, nodes[id(node.layer)].index(node), idx]

    def io_history(t):
        # Keras counts a nested functional model's own internal node first in `input_layers` /
        # `output_layers` (not in node arguments), so its calls start at index 1 there.
        ref = history(t)
        if _is_functional(t._keras_history[0].layer):
            ref[1] += 1
        return ref

    def ser_tensor(x):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(x.shape), "dtype": x.dtype, "keras_history": history(x)}}

    layers = []
    for layer in model._child_layers():
        is_op = getattr(layer, "_is_op", False)
        entry = {} if is_op else serialize_keras_object(layer)
        entry["name"] = layer.name
        inbound = []
        if not isinstance(layer, InputLayer):
            for node in nodes.get(id(layer), []):
                kwargs = dict(node.kwargs)
                if is_op:
                    op = serialize_op(layer, kwargs)
                    if op is None:
                        layer.get_config()  # raises the clear "cannot be serialized" error
                    op_entry, kwargs = op
                    entry = {**op_entry, "name": layer.name}
                inbound.append({"args": serialize_value(list(node.args), ser_tensor),
                                "kwargs": serialize_value(kwargs, ser_tensor)})
        entry["inbound_nodes"] = inbound
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": map_structure(io_history, model._inputs_struct),
            "output_layers": map_structure(io_history, model._outputs_struct)}


class _NotYet(Exception):
    """A node's input tensors do not exist yet; it is retried after the other nodes."""


def _is_ref(x):
    return isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str) and isinstance(x[1], int)


def functional_from_config(cls, config, custom_objects=None):
    from torchkeras.layers.core.input_layer import InputLayer
    from torchkeras.saving.legacy_config import _upgrade_entry
    from torchkeras.utils.serialization import deserialize_keras_object

    created = {}
    tensors = {}  # (layer_name, node_index, tensor_index) -> KerasTensor
    produced = {}  # layer_name -> number of its nodes rebuilt so far
    pending = []
    for entry in config["layers"]:
        if isinstance(entry, dict) and "module" not in entry:
            entry = _upgrade_entry(entry, keras2=False)  # Keras's legacy (H5 / tf.keras) layer entries
        if is_op_entry(entry):
            layer = deserialize_op(entry)
        else:
            layer = deserialize_keras_object(entry, custom_objects=custom_objects)
        if not hasattr(layer, "_inbound_nodes"):
            raise ValueError("Unexpected object from deserialization, expected a layer or operation, got a "
                             f"{type(layer)}")
        name = entry.get("name", layer.name)
        created[name] = layer
        produced[name] = 0
        if isinstance(layer, InputLayer):
            tensors[(name, 0, 0)] = layer.output_tensor
            produced[name] = 1
        for node in entry.get("inbound_nodes", []):
            pending.append((name, node))

    def tensor(name, node_index, tensor_index):
        if name not in created:
            raise ValueError(f"Invalid Functional model configuration. Missing node: {name} (Unknown layer: "
                             f"{name}; no layer of that name in the config).")
        key = (name, node_index, tensor_index)
        if key not in tensors:
            if node_index < produced[name]:
                raise ValueError(f"Invalid Functional model configuration: layer {name!r} has no output "
                                 f"{tensor_index} at node {node_index}.")
            raise _NotYet(key)
        return tensors[key]

    def resolve(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            return tensor(*x["config"]["keras_history"])
        if isinstance(x, dict) and x.get("class_name") == "__slice__":
            c = x["config"]
            return slice(c.get("start"), c.get("stop"), c.get("step"))
        if isinstance(x, dict) and x.get("class_name") == "__ellipsis__":
            return Ellipsis
        if isinstance(x, dict) and x.get("class_name") == "__tuple__":
            return tuple(resolve(v) for v in x["config"]["value"])
        if isinstance(x, dict) and "class_name" in x and "config" in x:
            return deserialize_keras_object(x, custom_objects=custom_objects)
        if isinstance(x, list):
            return [resolve(v) for v in x]
        if isinstance(x, tuple):
            return tuple(resolve(v) for v in x)
        if isinstance(x, dict):
            return {k: resolve(v) for k, v in x.items()}
        return x

    # Nodes of one layer are rebuilt in order (its node i is the i-th call); a node whose inputs
    # do not exist yet waits, as in Keras (a layer shared at several depths: A(B(A(B(x))))).
    while pending:
        progressed = False
        blocked = set()
        remaining = []
        for name, node in pending:
            if name in blocked:
                remaining.append((name, node))
                continue
            try:
                args = resolve(node.get("args", []))
                kwargs = resolve(node.get("kwargs", {}))
            except _NotYet:
                blocked.add(name)
                remaining.append((name, node))
                continue
            try:
                out = created[name](*args, **kwargs)
            except TypeError as e:
                # Mostly a layer whose get_config() returned layers/objects its from_config() does not
                # deserialize (they arrive as config dicts), as Keras reports it.
                raise TypeError(f"{type(created[name])} could not be deserialized properly. Please ensure that "
                                "components that are Python object instances (layers, models, etc.) returned by "
                                "`get_config()` are explicitly deserialized in the model's `from_config()` "
                                f"method.\n\nException encountered: {e}") from e
            index = produced[name]
            for j, t in enumerate(flatten(out)):
                tensors[(name, index, j)] = t
            produced[name] = index + 1
            progressed = True
        if not progressed:
            raise ValueError("Invalid Functional model configuration. The graph of the Functional model either "
                             "has loops or disconnected nodes. The following nodes failed to be resolved: "
                             f"{sorted({name for name, _ in remaining})}")
        pending = remaining

    def io_tensor(ref):
        name, node_index, tensor_index = ref
        if name in created and _is_functional(created[name]) and node_index > 0:
            node_index -= 1
        try:
            return tensor(name, node_index, tensor_index)
        except _NotYet:
            raise ValueError(f"Invalid Functional model configuration: the model input/output {list(ref)} "
                             "is not produced by any node.") from None

    def map_refs(refs):
        if _is_ref(refs):
            return io_tensor(refs)
        if isinstance(refs, dict):
            return {k: map_refs(v) for k, v in refs.items()}
        if isinstance(refs, tuple):
            return tuple(map_refs(v) for v in refs)
        return [map_refs(v) for v in refs]

    ins = map_refs(config["input_layers"])
    outs = map_refs(config["output_layers"])
    # Keys beyond the graph's are a subclass's own constructor arguments (its get_config adds them).
    extra = {k: v for k, v in config.items()
             if k not in ("layers", "input_layers", "output_layers", "name", "trainable")}
    from torchkeras.models.functional import Functional
    from torchkeras.models.model import Model
    if cls in (Functional, Model):
        extra = {}
    trainable = config.get("trainable")
    return cls(inputs=ins, outputs=outs, name=config.get("name"),
               trainable=True if trainable is None else trainable, **extra)
