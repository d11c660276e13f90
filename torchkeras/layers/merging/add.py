"""Add: elementwise sum of a list of tensors."""

from torchkeras.layers.merging.base_merge import Merge


class Add(Merge):
    """Sums a list of tensors of the same (broadcastable) shape."""

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


def add(inputs, **kwargs):
    """Functional interface to `Add`."""
    return Add(**kwargs)(inputs)
