"""Elements of emulated tf.data pipelines: nested tuples / dicts of torch tensors (StringTensor arrays
for strings), converted from user values with TF's rules, sliced, stacked and described."""

import numpy as np
import torch

from torchkeras.porting.tf._core import InvalidArgumentError, convert, dtype_of
from torchkeras.porting.tf.nest import flatten, pack_sequence_as
from torchkeras.porting.tf.shape import TensorShape, TensorSpec
from torchkeras.porting.tf.strings_array import StringTensor

AUTOTUNE = -1
INFINITE = -1
UNKNOWN = -2


def to_leaf(value):
    """One component as a tensor: numpy arrays keep their dtype (float64 stays float64, as in TF)."""
    if isinstance(value, (torch.Tensor, StringTensor)):
        return value
    if hasattr(value, "_keras_variable") or hasattr(value, "param") and hasattr(value, "assign"):
        return value.value.detach()
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return torch.from_numpy(np.require(value, requirements="C"))
    if hasattr(value, "__array__") and not isinstance(value, (list, tuple, np.ndarray)):
        return to_leaf(np.asarray(value))  # pandas objects
    return convert(value)


def normalize(structure):
    """A user structure as an element: tuples and dicts are structure, lists are tensors (TF's rule)."""
    if isinstance(structure, dict):
        return {k: normalize(v) for k, v in structure.items()}
    if isinstance(structure, tuple):
        if hasattr(structure, "_fields"):
            return type(structure)(*[normalize(v) for v in structure])
        return tuple(normalize(v) for v in structure)
    return to_leaf(structure)


def normalize_output(structure):
    """A map function's result: a returned list is treated as a tuple (as tf.data does)."""
    if type(structure) is tuple and all(type(v) is torch.Tensor for v in structure):
        return structure
    if type(structure) is torch.Tensor:
        return structure
    if isinstance(structure, list):
        structure = tuple(structure)
    if isinstance(structure, dict):
        return {k: normalize_output(v) for k, v in structure.items()}
    if isinstance(structure, tuple) and not hasattr(structure, "_fields"):
        return tuple(normalize_output(v) for v in structure)
    return normalize(structure)


_NESTED = (tuple, list, dict)


def is_flat(element):
    """A single component or a plain tuple of components (the common case, handled without nest)."""
    return not isinstance(element, _NESTED) or (
        type(element) is tuple and not any(isinstance(v, _NESTED) for v in element))


def leaves(element):
    if type(element) is tuple and not any(isinstance(v, _NESTED) for v in element):
        return list(element)
    return flatten(element)


def rebuild(element, new_leaves):
    if type(element) is tuple and not any(isinstance(v, _NESTED) for v in element):
        return tuple(new_leaves)
    return pack_sequence_as(element, new_leaves)


def take_rows(leaf, index):
    """Rows `index` (a 1-D int64 tensor) of one component."""
    if isinstance(leaf, StringTensor):
        return np.asarray(leaf).view(np.ndarray)[index.numpy()].view(StringTensor)
    return leaf.index_select(0, index) if leaf.device.type == "cpu" else leaf[index.to(leaf.device)]


def stack(components, what="component"):
    first = components[0]
    if isinstance(first, StringTensor):
        shapes = {c.shape for c in components}
        if len(shapes) > 1:
            raise InvalidArgumentError(f"Cannot batch tensors with different shapes in {what}. First element had "
                                       f"shape {list(first.shape)} and element had shape {list(shapes - {first.shape})[0]}.")
        return np.stack([np.asarray(c) for c in components]).view(StringTensor)
    shape = first.shape
    for c in components:
        if c.shape != shape:
            raise InvalidArgumentError(f"Cannot batch tensors with different shapes in {what}. First element had "
                                       f"shape {list(shape)} and element {components.index(c)} had shape "
                                       f"{list(c.shape)}.")
    return torch.stack(components)


def stack_elements(elements):
    first = elements[0]
    if type(first) is torch.Tensor:
        return stack(elements)
    if type(first) is tuple and is_flat(first):
        return tuple(stack([e[i] for e in elements], f"component {i}") for i in range(len(first)))
    flat = [leaves(e) for e in elements]
    return rebuild(elements[0], [stack([f[i] for f in flat], f"component {i}") for i in range(len(flat[0]))])


def spec_of(element, batch_dim=False, batch_size=None):
    """element_spec of one element (of a batch, with an unknown or fixed leading dimension)."""
    def spec(leaf):
        shape = list(leaf.shape)
        if batch_dim:
            shape[0] = batch_size
        return TensorSpec(TensorShape(shape), dtype_of(leaf))
    return rebuild(element, [spec(leaf) for leaf in leaves(element)])


def to_numpy(element):
    def conv(leaf):
        if isinstance(leaf, StringTensor):
            return leaf.numpy()
        if isinstance(leaf, torch.Tensor):
            arr = leaf.detach().cpu().numpy()
            return arr[()] if arr.ndim == 0 else arr
        return leaf
    return rebuild(element, [conv(leaf) for leaf in leaves(element)])
