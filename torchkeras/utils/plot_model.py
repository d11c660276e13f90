"""keras.utils.plot_model / model_to_dot: a graph of the model's layers through pydot + Graphviz."""

import os


def _pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError("You must install pydot (`pip install pydot`) and install graphviz "
                          "(see instructions at https://graphviz.gitlab.io/download/) for `plot_model` "
                          "to work.") from None
    try:
        pydot.Dot.create(pydot.Dot())
    except Exception as e:  # pydot raises assorted errors when `dot` is missing
        raise ImportError("pydot is installed but the Graphviz `dot` program was not found or failed "
                          f"({e}). Install graphviz (see https://graphviz.gitlab.io/download/) and make "
                          "sure `dot` is on your PATH for `plot_model` to work.") from None
    return pydot


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations):
    name = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
    parts = [name]
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        parts.append(f"activation: {getattr(activation, '__name__', activation)}")
    if show_shapes:
        for attr in ("input_shape", "output_shape"):
            try:
                parts.append(f"{attr.split('_')[0]}: {getattr(layer, attr)}")
            except (AttributeError, ValueError, RuntimeError):
                parts.append(f"{attr.split('_')[0]}: ?")
    if show_dtype:
        parts.append(f"dtype: {getattr(layer, 'dtype', '?')}")
    return "\n".join(str(p) for p in parts)


def _edges(model):
    """(from layer, to layer) pairs: functional graphs from their nodes, Sequential in order."""
    layers = list(model.layers)
    ids = {id(layer) for layer in layers}
    edges = []
    for layer in layers:
        for node in getattr(layer, "_inbound_nodes", []):
            for parent in getattr(node, "parents", []):
                src = parent.layer
                if id(src) in ids:
                    edges.append((src, layer))
    if not edges:
        edges = list(zip(layers, layers[1:]))
    return layers, edges


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, show_layer_activations=False, **kwargs):
    pydot = _pydot()
    dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, dpi=dpi)
    dot.set_node_defaults(shape="record")
    layers, edges = _edges(model)
    for layer in layers:
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, show_shapes, show_dtype, show_layer_names,
                                                               show_layer_activations)))
    for src, dst in dict.fromkeys((id(a), id(b)) for a, b in edges):
        dot.add_edge(pydot.Edge(str(src), str(dst)))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, **kwargs):
    """Write a picture of the model graph to `to_file` (png, svg, pdf, ... by extension)."""
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    return to_file
