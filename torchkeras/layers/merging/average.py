"""Average: elementwise mean of a list of tensors."""

from torchkeras.layers.merging.base_merge import Merge


class Average(Merge):
    """Averages a list of tensors of the same (broadcastable) shape."""

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


def average(inputs, **kwargs):
    """Functional interface to `Average`."""
    return Average(**kwargs)(inputs)
