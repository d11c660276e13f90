"""Reshape: reshapes the non-batch axes to `target_shape` (one entry may be -1)."""

import math
import numbers

from torchkeras.layers.layer import Layer
from torchkeras.layers.reshaping._base import ShapeOnlyLayer, as_tuple


def _fmt(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def resolve_target_shape(input_shape, target_shape):
    """The target shape with its -1 resolved (None when the input has unknown dims)."""
    if None in input_shape:
        return tuple(None if d == -1 else d for d in target_shape)
    size = math.prod(input_shape)
    known = math.prod(d for d in target_shape if d != -1)
    if -1 not in target_shape:
        if size != known:
            raise ValueError(
                "The total size of the tensor must be unchanged (the total size of the new array must be "
                f"unchanged). Received: input_shape={_fmt(input_shape)}, target_shape={_fmt(target_shape)}: "
                f"{size} elements per sample cannot be arranged as {known}. Choose a target_shape whose "
                "product equals the input's, or use -1 for one dimension.")
        return tuple(target_shape)
    if known == 0 or size % known != 0:
        raise ValueError(
            "The total size of the tensor must be unchanged, however, the input size cannot be divided by the "
            f"specified dimensions in target_shape. Received: input_shape={_fmt(input_shape)}, "
            f"target_shape={_fmt(target_shape)}: {size} elements per sample are not a multiple of {known}.")
    return tuple(size // known if d == -1 else d for d in target_shape)


class Reshape(ShapeOnlyLayer):
    """(batch, ...) -> (batch, *target_shape). `target_shape` excludes the batch axis."""

    _config_attrs = ("target_shape",)

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        error = f"Argument `target_shape` must be a tuple of integers. Received: target_shape={target_shape!r}"
        target = as_tuple(target_shape, error)
        for d in target:
            if isinstance(d, bool) or not isinstance(d, numbers.Integral):
                raise ValueError(error)
            if d < -1:
                raise ValueError("Each dimension in `target_shape` must be a non-negative integer, or `-1` for a "
                                 f"single unknown dimension. Received: target_shape={target_shape!r}.")
        if sum(1 for d in target if d == -1) > 1:
            raise ValueError("There must be at most one unknown dimension (-1) in `target_shape`. "
                             f"Received: target_shape={target_shape!r}.")
        self.target_shape = tuple(int(d) for d in target)
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def call(self, inputs):
        target = resolve_target_shape(tuple(inputs.shape[1:]), self.target_shape)
        return inputs.reshape((inputs.shape[0],) + target)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + resolve_target_shape(tuple(input_shape[1:]), self.target_shape)
