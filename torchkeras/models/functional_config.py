"""Functional model config in Keras 3's format (layers with inbound_nodes, input_layers, output_layers)."""

from torchkeras.keras_tensor import KerasTensor, flatten, map_structure


def _model_nodes(model):
    """Each layer's nodes that belong to this model, in plan order, so node indices are model-relative."""
    per_layer = {}
    input_nodes = [t._keras_history[0] for t in model.inputs]
    for node in input_nodes + [step[6] for step in model._plan]:
        per_layer.setdefault(id(node.layer), [])
        if node not in per_layer[id(node.layer)]:
            per_layer[id(node.layer)].append(node)
    return per_layer


def functional_config(model):
    from torchkeras.layers.core.input_layer import InputLayer
    from torchkeras.utils.serialization import serialize_keras_object

    nodes = _model_nodes(model)

    def history(t):
        node, idx = t._keras_history
        return [node.layer.name, nodes[id(node.layer)].index(node), idx]

    def ser_arg(x):
        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(x.shape), "dtype": x.dtype, "keras_history": history(x)}}
        return x

    layers = []
    for layer in model._child_layers():
        if getattr(layer, "_is_op", False):
            layer.get_config()  # raises the clear "cannot be serialized" error
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        inbound = []
        if not isinstance(layer, InputLayer):
            for node in nodes.get(id(layer), []):
                inbound.append({"args": map_structure(ser_arg, list(node.args)),
                                "kwargs": map_structure(ser_arg, dict(node.kwargs))})
        entry["inbound_nodes"] = inbound
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": map_structure(history, model._inputs_struct) if not isinstance(model._inputs_struct,
                                                                                         KerasTensor)
            else [history(model._inputs_struct)],
            "output_layers": map_structure(history, model._outputs_struct)
            if not isinstance(model._outputs_struct, KerasTensor) else [history(model._outputs_struct)]}


def functional_from_config(cls, config, custom_objects=None):
    from torchkeras.layers.core.input_layer import InputLayer
    from torchkeras.utils.serialization import deserialize_keras_object

    created = {}
    tensors = {}  # (layer_name, node_index, tensor_index) -> KerasTensor
    pending = []
    for entry in config["layers"]:
        layer = deserialize_keras_object(entry, custom_objects=custom_objects)
        name = entry.get("name", layer.name)
        created[name] = layer
        if isinstance(layer, InputLayer):
            tensors[(name, 0, 0)] = layer.output_tensor
        for i, node in enumerate(entry.get("inbound_nodes", [])):
            pending.append((name, i, node))

    def resolve(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            key = tuple(x["config"]["keras_history"])
            if key not in tensors:
                raise KeyError(key)
            return tensors[key]
        if isinstance(x, list) and len(x) == 3 and isinstance(x[0], str) and isinstance(x[1], int):
            key = tuple(x)  # Keras 2 style [name, node, tensor] reference
            if key not in tensors:
                raise KeyError(key)
            return tensors[key]
        if isinstance(x, list):
            return [resolve(v) for v in x]
        if isinstance(x, dict):
            return {k: resolve(v) for k, v in x.items()}
        return x

    while pending:
        progressed = []
        for item in pending:
            name, i, node = item
            try:
                args = resolve(node.get("args", []))
                kwargs = resolve(node.get("kwargs", {}))
            except KeyError:
                continue
            out = created[name](*args, **kwargs)
            for j, t in enumerate(flatten(out)):
                tensors[(name, i, j)] = t
            progressed.append(item)
        if not progressed:
            raise ValueError(f"Cannot rebuild the functional model {config.get('name')!r}: layers "
                             f"{sorted({p[0] for p in pending})} wait for tensors that no layer produces.")
        pending = [p for p in pending if p not in progressed]

    def ref(r):
        return tensors[tuple(r)]

    def refs(rs):
        # Keras writes a single input/output as one flat [name, node, index] triple.
        return [rs] if rs and isinstance(rs[0], str) else rs

    ins = [ref(r) for r in refs(config["input_layers"])]
    outs = [ref(r) for r in refs(config["output_layers"])]
    # Keys beyond the graph's are a subclass's own constructor arguments (its get_config adds them).
    extra = {k: v for k, v in config.items()
             if k not in ("layers", "input_layers", "output_layers", "name", "trainable")}
    from torchkeras.models.functional import Functional
    from torchkeras.models.model import Model
    if cls in (Functional, Model):
        extra = {}
    return cls(inputs=ins if len(ins) > 1 else ins[0], outputs=outs if len(outs) > 1 else outs[0],
               name=config.get("name"), trainable=config.get("trainable", True), **extra)
