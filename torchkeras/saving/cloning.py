"""clone_model: the same architecture with new layers (fresh weights), as Keras's `clone_model`.

Sequential and functional models are rebuilt layer by layer (each layer through `clone_function`,
by default `from_config(get_config())`); the functional graph is replayed on new inputs, so shared
layers stay shared. Subclassed models are rebuilt from their config.
"""

from torchkeras.keras_tensor import KerasTensor, flatten, map_structure
from torchkeras.layers.core.input_layer import Input, InputLayer


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def _clone_layer_fn(clone_function, recursive):
    def clone(layer):
        from torchkeras.models.functional import Functional
        from torchkeras.models.sequential import Sequential
        if recursive and isinstance(layer, (Sequential, Functional)):
            return clone_model(layer, clone_function=clone_function, recursive=True)
        return (clone_function or _default_clone)(layer)
    return clone


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False,
                **kwargs):
    """A new model with the same architecture as `model` and newly initialized weights."""
    from torchkeras.models.functional import Functional
    from torchkeras.models.sequential import Sequential

    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s) to clone_model: {sorted(kwargs)}")
    if clone_function is not None and not callable(clone_function):
        raise TypeError(f"`clone_function` must be callable. Received: {clone_function!r}")
    clone = _clone_layer_fn(clone_function, recursive)
    if isinstance(model, Sequential):
        return _with_compile(model, _clone_sequential(model, clone, input_tensors, call_function))
    if isinstance(model, Functional):
        return _with_compile(model, _clone_functional(model, clone, input_tensors, call_function))
    if clone_function is not None or input_tensors is not None or call_function is not None:
        raise ValueError("`clone_function`, `input_tensors` and `call_function` only apply to Sequential and "
                         f"functional models; {type(model).__name__} is a subclassed model.")
    try:
        new = model.__class__.from_config(model.get_config())
    except TypeError as err:
        raise ValueError(f"Cannot clone the subclassed model {model.name!r}: rebuilding it from "
                         f"`get_config()` failed ({err}). Implement `get_config()` returning the arguments "
                         "of its `__init__`.") from err
    if getattr(model, "built", False) and getattr(model, "_build_shapes", None) is not None:
        new.build(model._build_shapes)
    return _with_compile(model, new)


def _with_compile(model, new):
    # Keras compiles the clone as the original was (a fresh optimizer of the same config).
    if getattr(model, "compiled", False) and callable(getattr(new, "compile_from_config", None)):
        new.compile_from_config(model.get_compile_config())
    return new


def _clone_sequential(model, clone, input_tensors, call_function):
    from torchkeras.models.sequential import Sequential

    layers = [clone(layer) for layer in model.layers]
    if call_function is not None:
        raise ValueError("`call_function` needs a functional model; clone a Sequential model without it, or "
                         "rebuild it as a functional model.")
    if input_tensors is not None:
        tensors = flatten(input_tensors)
        if len(tensors) != 1:
            raise ValueError(f"A Sequential model takes one input tensor; received {len(tensors)}.")
        layers = [tensors[0]._keras_history[0].layer] + layers
    elif getattr(model, "_input_batch_shape", None) is not None:
        layers = [InputLayer(batch_shape=model._input_batch_shape, name=f"{model.name}_input")] + layers
    return Sequential(layers, name=model.name, trainable=model.trainable)


def _new_inputs(model, input_tensors):
    originals = model.inputs
    if input_tensors is None:
        return [Input(batch_shape=t.shape, dtype=t.dtype, name=t._keras_history[0].layer.name) for t in originals]
    from torchkeras.models.functional_inputs import _lists_to_tuples, _same_structure
    struct = model._inputs_struct
    single = isinstance(struct, KerasTensor) and isinstance(input_tensors, (list, tuple)) and len(input_tensors) == 1
    if not single and not _same_structure(_lists_to_tuples(input_tensors), _lists_to_tuples(struct)):
        raise ValueError("`input_tensors` must have the same structure as model.input\nReference structure: "
                         f"{map_structure(lambda t: t.name, struct)}\nReceived structure: "
                         f"{map_structure(lambda t: getattr(t, 'name', t), input_tensors)}")
    if isinstance(struct, dict) and isinstance(input_tensors, dict):
        input_tensors = {k: input_tensors[k] for k in struct}  # matched by key, in the model's order
    given = flatten(input_tensors)
    if len(given) != len(originals):
        raise ValueError(f"Model {model.name!r} has {len(originals)} inputs, but `input_tensors` has "
                         f"{len(given)}.")
    for t in given:
        if not isinstance(t, KerasTensor):
            raise ValueError(f"`input_tensors` must be symbolic tensors from `keras.Input`. Received: {t!r}")
    return given


def _clone_functional(model, clone, input_tensors, call_function):
    from torchkeras.models.functional import Functional

    new_inputs = _new_inputs(model, input_tensors)
    mapping = {id(old): new for old, new in zip(model.inputs, new_inputs)}
    cloned = {}

    def swap(x):
        return mapping[id(x)] if isinstance(x, KerasTensor) else x

    for step in model._plan:
        layer, node = step[0], step[6]
        if isinstance(layer, InputLayer):
            continue
        if getattr(layer, "_is_op", False):
            new_layer = layer  # recorded tensor ops hold no state: reuse them
        else:
            if id(layer) not in cloned:
                cloned[id(layer)] = clone(layer)
            new_layer = cloned[id(layer)]
        args = map_structure(swap, node.args)
        kw = map_structure(swap, dict(node.kwargs))
        out = call_function(new_layer, *args, **kw) if call_function is not None else new_layer(*args, **kw)
        for old, new in zip(node.flat_outputs, flatten(out)):
            mapping[id(old)] = new
    outputs = map_structure(lambda t: mapping[id(t)], model._outputs_struct)
    flat = iter(new_inputs)
    inputs = map_structure(lambda _: next(flat), model._inputs_struct)  # the original nesting
    return Functional(inputs, outputs, name=model.name, trainable=model.trainable)
