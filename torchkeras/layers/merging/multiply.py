"""Multiply: elementwise product of a list of tensors."""

import torch

from torchkeras.layers.merging.base_merge import Merge, _expanded_mask


class Multiply(Merge):
    """Multiplies a list of tensors. With masks, masked entries count as 1 in the product, and when every
    input is masked, entries masked in all inputs become 0 (Keras's rule)."""

    def _merge_function(self, inputs, masks):
        all_masked = all(m is not None for m in masks)
        out, out_mask = None, None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = _expanded_mask(m, x)
                x = torch.where(m, x, torch.ones((), dtype=x.dtype, device=x.device))
                if all_masked:
                    out_mask = m if out_mask is None else torch.logical_or(out_mask, m)
            out = x if out is None else out * x
        if all_masked:
            out = torch.where(out_mask, out, torch.zeros((), dtype=out.dtype, device=out.device))
        return out


def multiply(inputs, **kwargs):
    """Functional interface to `Multiply`."""
    return Multiply(**kwargs)(inputs)
