"""Merge: base of the elementwise merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum)."""

import torch

from torchkeras import ops
from torchkeras.layers.layer import Layer


def _is_shape_list(input_shape):
    return isinstance(input_shape, (list, tuple)) and len(input_shape) > 0 and \
        all(s is None or isinstance(s, (list, tuple)) for s in input_shape)


def broadcast_shapes(shape1, shape2):
    """Keras's elementwise output shape of two non-batch shapes, aligned on the right."""
    if shape1 is None or shape2 is None:
        return None
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    if not shape2:
        return tuple(shape1)
    out = list(shape1[:len(shape1) - len(shape2)])
    for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            raise ValueError(f"Inputs have incompatible shapes. Received shapes {tuple(shape1)} and "
                             f"{tuple(shape2)}: axis sizes {i} and {j} can neither match nor broadcast "
                             "(one of them must be 1).")
    return tuple(out)


class Merge(Layer):
    """Takes a list of tensors; inputs of lower rank get size-1 axes inserted after the batch axis so
    that all ranks match, then broadcast."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._reshape_required = False

    def _check_list(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError("A merge layer should be called on a list of inputs. "
                             f"Received: input_shape={input_shape} (not a list of shapes)")

    def build(self, input_shape):
        self._check_list(input_shape)
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"Cannot merge tensors with different batch sizes. Received tensors with shapes "
                             f"{list(input_shape)}")
        self._elementwise_shape(input_shape)
        self._reshape_required = None in input_shape or len({len(s) for s in input_shape}) != 1
        self.built = True

    def _elementwise_shape(self, input_shape):
        out = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for s in input_shape[1:]:
            out = broadcast_shapes(out, None if s is None else tuple(s[1:]))
        return out

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs. "
                             f"Received: inputs of shape {tuple(getattr(inputs, 'shape', ()))} "
                             "(not a list of tensors)")
        inputs = list(inputs)
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None] * len(inputs)
        if self._reshape_required:
            max_ndim = max(x.dim() for x in inputs)
            for i, x in enumerate(inputs):
                # torch broadcasts on the right; Keras inserts the missing axes after the batch axis.
                inputs[i] = x.reshape(x.shape[:1] + (1,) * (max_ndim - x.dim()) + x.shape[1:])
        return self._merge_function(inputs, masks)

    def _merge_function(self, inputs, masks):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        out = self._elementwise_shape(input_shape)
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        batch = next(iter(batch_sizes)) if len(batch_sizes) == 1 else None
        return (batch,) + tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        check_mask_list(inputs, mask)
        if any(m is None for m in mask):
            return None
        # keras.ops: masks may be numpy arrays, variables or symbolic tensors (direct calls).
        out = mask[0]
        for m in mask[1:]:
            out = ops.logical_or(out, m)
        return out


def check_mask_list(inputs, mask):
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError("The lists `inputs` and `mask` should have the same length. Received: "
                         f"{len(inputs)} inputs and {len(mask)} masks. Pass one mask (or None) per input.")


def _expanded_mask(mask, x):
    if mask is None:
        return None
    if mask.dim() < x.dim():
        mask = mask.unsqueeze(-1)
    return mask.expand(x.shape)


def merge_with_or_mask(op, inputs, masks):
    """Maximum/Minimum with masks: masked entries of one input do not take part (Keras's rule)."""
    if all(m is None for m in masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = op(out, x)
        return out
    output, output_mask = None, None
    for x, m in zip(inputs, masks):
        m = _expanded_mask(m, x)
        if output is None:
            output, output_mask = x, m
            continue
        if m is not None:
            x = torch.where(m, x, output)
        if output_mask is not None:
            output = torch.where(output_mask, output, x)
        output_mask = torch.logical_or(output_mask, m) if m is not None and output_mask is not None else None
        output = op(output, x)
    return output
