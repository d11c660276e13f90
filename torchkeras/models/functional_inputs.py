"""How a functional model matches the data it is called with to its `Input`s (Keras's
`Functional._standardize_inputs`): structure checks, dict keys, None for optional inputs, the
input dtype and the trailing-axis rank adjustment."""

import warnings

import numpy as np
import torch

from torchkeras.keras_tensor import _TORCH_DTYPES, KerasTensor, flatten, map_structure


def flatten_with_paths(structure, prefix=()):
    if isinstance(structure, dict):
        return [p for k in structure for p in flatten_with_paths(structure[k], prefix + (k,))]
    if isinstance(structure, (list, tuple)):
        return [p for i, s in enumerate(structure) for p in flatten_with_paths(s, prefix + (i,))]
    return [(prefix, structure)]


def path_string(path):
    return ".".join(str(p) for p in path)


def _is_tensor(x):
    return isinstance(x, (torch.Tensor, np.ndarray, KerasTensor)) or np.isscalar(x)


def _lists_to_tuples(s):
    if isinstance(s, (list, tuple)):
        return tuple(_lists_to_tuples(x) for x in s)
    if isinstance(s, dict):
        return {k: _lists_to_tuples(v) for k, v in s.items()}
    return s


def _same_structure(a, b):
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(_same_structure(a[k], b[k]) for k in b)
    if isinstance(b, tuple):
        return isinstance(a, tuple) and len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b))
    return not isinstance(a, (dict, list, tuple))


def _flatten_like(struct, inputs):
    """Inputs in the order of the model's flat inputs; dict values are taken by key."""
    if isinstance(struct, dict) and isinstance(inputs, dict):
        out = []
        for k in struct:
            if k not in inputs:
                raise ValueError(f'Missing data for input "{k}". You passed a data dictionary with keys '
                                 f"{list(inputs.keys())}. Expected the following keys: {list(struct)}")
            out += _flatten_like(struct[k], inputs[k])
        return out
    if isinstance(struct, (list, tuple)) and isinstance(inputs, (list, tuple)) and len(struct) == len(inputs):
        return [x for s, i in zip(struct, inputs) for x in _flatten_like(s, i)]
    if isinstance(struct, KerasTensor) and not isinstance(inputs, (list, tuple, dict)):
        return [inputs]
    return flatten(inputs)


def _describe(s):
    return map_structure(lambda x: "None" if x is None else f"Tensor(shape={tuple(x.shape)})"
                         if hasattr(x, "shape") else repr(x), s)


def standardize_inputs(model, inputs):
    """The flat list of input values for `model`'s Inputs; warns or raises as Keras does."""
    struct = model._inputs_struct
    if type(inputs) is torch.Tensor and isinstance(struct, KerasTensor):  # the common case, kept cheap
        return [_convert(model, inputs, struct, 0)]
    raise_exception = False
    if isinstance(struct, list) and len(struct) == 1 and _is_tensor(inputs):
        inputs = [inputs]
    elif isinstance(inputs, dict) and not isinstance(struct, dict):
        if isinstance(struct, (list, tuple)) and all(isinstance(i, KerasTensor) for i in struct):
            names = [i.name for i in struct]
            if set(names) <= set(inputs):
                inputs = [inputs[n] for n in names]
            else:
                raise_exception = True
        elif isinstance(struct, KerasTensor):
            if struct.name in inputs:
                inputs = [inputs[struct.name]]
            else:
                raise_exception = True
        else:
            raise_exception = True
    if isinstance(struct, dict) and not isinstance(inputs, dict) and list(struct) != sorted(struct):
        # The order of a plain list cannot be matched to unsorted dict keys.
        raise_exception = True
    if not _same_structure(_lists_to_tuples(inputs), _lists_to_tuples(struct)):
        msg = ("The structure of `inputs` doesn't match the expected structure.\n"
               f"Expected: {map_structure(lambda x: x.name, struct)}\nReceived: inputs={_describe(inputs)}")
        if raise_exception:
            raise ValueError(msg)
        warnings.warn(msg, stacklevel=4)
    flat = _flatten_like(struct, inputs)
    flat_in = model.inputs
    if len(flat) != len(flat_in):
        if isinstance(struct, dict):
            names = list(struct)
            raise ValueError(
                f'Layer "{model.name}" expects {len(flat_in)} named input(s) with keys {names}, but it received '
                f"{len(flat)} input tensors. Pass inputs as a dict, e.g. `model({{"
                + ", ".join(f"'{n}': ..." for n in names) + "})`.")
        raise ValueError(f'Layer "{model.name}" expects {len(flat_in)} input(s), but it received {len(flat)} '
                         f"input tensors. Inputs received: {_describe(flat)}")
    return [_convert(model, x, t, i) for i, (x, t) in enumerate(zip(flat, flat_in))]


def _convert(model, x, ref, index):
    if x is None:
        layer = ref._keras_history[0].layer if ref._keras_history else None
        if layer is not None and hasattr(layer, "optional") and not layer.optional:
            raise ValueError(f"The input '{ref.name}' is not optional, but None was passed. Please provide a "
                             "valid tensor.")
        return x
    if isinstance(x, torch.Tensor) and ref.dtype in _TORCH_DTYPES:
        want = _TORCH_DTYPES[ref.dtype]
        own = getattr(model, "_dtype_name", "float32")
        if want.is_floating_point and x.is_floating_point() and own != "float32" and own in _TORCH_DTYPES:
            want = _TORCH_DTYPES[own]  # the model was moved to another float dtype (model.double())
        if x.dtype != want:
            x = x.to(want)
    if not hasattr(x, "shape"):
        return x
    ref_shape, shape = ref.shape, tuple(x.shape)
    if len(shape) == len(ref_shape) + 1 and shape and shape[-1] == 1:
        x = x.squeeze(-1) if isinstance(x, torch.Tensor) else np.squeeze(x, -1)
    elif len(shape) == len(ref_shape) - 1 and ref_shape and ref_shape[-1] == 1:
        x = x.unsqueeze(-1) if isinstance(x, torch.Tensor) else np.expand_dims(x, -1)
    elif len(shape) != len(ref_shape):
        path = path_string(flatten_with_paths(model._inputs_struct)[index][0])
        raise ValueError(f"Invalid input shape for input {_describe(x)} with name '{ref.name}' and path "
                         f"'{path}'. Expected shape {ref_shape}, but input has incompatible shape {shape}")
    if model.input_spec is None:  # a spec set by the user is checked by Layer instead
        spec_shape = (None,) + tuple(ref_shape[1:]) if ref_shape else ()
        a, b = spec_shape, tuple(x.shape)
        if b and b[-1] == 1:
            b = b[:-1]
        if a and a[-1] == 1:
            a = a[:-1]
        if any(s is not None and d is not None and s != d for s, d in zip(a, b)):
            raise ValueError(f"Input {index} with name '{ref.name}' of layer '{model.name}' is incompatible with "
                             f"the layer: expected shape={spec_shape}, found shape={tuple(x.shape)}")
    return x
