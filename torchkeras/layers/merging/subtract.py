"""Subtract: inputs[0] - inputs[1]."""

from torchkeras.layers.merging.base_merge import Merge


def _two_inputs_error(received):
    return ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: {received}")


class Subtract(Merge):
    """Subtracts the second of exactly two tensors from the first."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise _two_inputs_error(f"input_shape={list(input_shape)}")

    def _merge_function(self, inputs, masks):
        if len(inputs) != 2:
            raise _two_inputs_error(f"{len(inputs)} inputs")
        return inputs[0] - inputs[1]


def subtract(inputs, **kwargs):
    """Functional interface to `Subtract`."""
    return Subtract(**kwargs)(inputs)
