"""Concatenate: joins a list of tensors along `axis`."""

import torch

from torchkeras import ops
from torchkeras.layers.merging.base_merge import Merge, check_mask_list


class Concatenate(Merge):
    """Concatenates tensors that agree on every axis but `axis` (default -1, the features).

    Masks: an unmasked input counts as all-valid; the output mask is the per-position `any` over the
    last axis of the concatenated (broadcast) masks, as Keras.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"Argument `axis` of Concatenate must be an integer. Received: axis={axis!r}")
        self.axis = axis

    def _mismatch(self, input_shape, why):
        return ValueError("A `Concatenate` layer requires inputs with matching shapes except for the "
                          f"concatenation axis. Received: input_shape={list(input_shape)} ({why}). "
                          "Make the other axes agree (e.g. with Reshape) or pick another `axis`.")

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1 or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 input. "
                             f"Received: input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape if s is not None]
        if shapes:
            ranks = {len(s) for s in shapes}
            if len(ranks) != 1:
                raise self._mismatch(input_shape, f"the inputs have different ranks {sorted(ranks)}")
            rank = ranks.pop()
            if not -rank <= self.axis < rank:
                raise ValueError(f"Concatenate axis={self.axis} is out of range for inputs of rank {rank}. "
                                 f"Received: input_shape={list(input_shape)}")
            axis = self.axis % rank
            for d in range(rank):
                if d == axis:
                    continue
                sizes = {s[d] for s in shapes if s[d] is not None}
                if len(sizes) > 1:
                    raise self._mismatch(input_shape, f"axis {d} has sizes {sorted(sizes)}")
        self.built = True

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A `Concatenate` layer should be called on a list of inputs. "
                             f"Received: inputs of shape {tuple(getattr(inputs, 'shape', ()))}")
        return torch.cat(list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"A `Concatenate` layer should be called on a list of inputs. "
                             f"Received: input_shape={input_shape}")
        out = list(input_shape[0])
        for shape in input_shape[1:]:
            if out[self.axis] is None or shape[self.axis] is None:
                out[self.axis] = None
                break
            out[self.axis] += shape[self.axis]
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        check_mask_list(inputs, mask)
        if all(m is None for m in mask):
            return None
        # keras.ops: masks and inputs may be numpy arrays, variables or symbolic tensors.
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                full.append(ops.ones_like(x, dtype="bool"))
            elif len(m.shape) < len(x.shape):  # (ops.ndim of a KerasTensor is symbolic)
                full.append(ops.logical_or(ops.expand_dims(m, -1), ops.zeros_like(x, dtype="bool")))
            else:
                full.append(ops.cast(m, "bool"))
        return ops.any(ops.concatenate(full, axis=self.axis), axis=-1)

    def get_config(self):
        cfg = super().get_config()
        cfg["axis"] = self.axis
        return cfg


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
