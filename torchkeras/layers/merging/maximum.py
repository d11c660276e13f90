"""Maximum: elementwise maximum of a list of tensors."""

import torch

from torchkeras.layers.merging.base_merge import Merge, merge_with_or_mask


class Maximum(Merge):
    """Elementwise maximum; entries masked in one input are taken from the others."""

    def _merge_function(self, inputs, masks):
        return merge_with_or_mask(torch.maximum, inputs, masks)


def maximum(inputs, **kwargs):
    """Functional interface to `Maximum`."""
    return Maximum(**kwargs)(inputs)
