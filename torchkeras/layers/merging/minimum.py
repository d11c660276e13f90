"""Minimum: elementwise minimum of a list of tensors."""

import torch

from torchkeras.layers.merging.base_merge import Merge, merge_with_or_mask


class Minimum(Merge):
    """Elementwise minimum; entries masked in one input are taken from the others."""

    def _merge_function(self, inputs, masks):
        return merge_with_or_mask(torch.minimum, inputs, masks)


def minimum(inputs, **kwargs):
    """Functional interface to `Minimum`."""
    return Minimum(**kwargs)(inputs)
