"""DropoutRNNCell: one dropout mask per call (per sequence), reused at every timestep, as Keras.

The RNN layer clears the cached masks after each call, so every batch draws new ones while all
timesteps of one sequence share them (variational dropout, Gal & Ghahramani).
"""

import torch

from torchkeras.random import SeedGenerator


class DropoutRNNCell:
    """Mixin for cells with `dropout`, `recurrent_dropout` and (optionally) `dropout_mask_count`."""

    def _create_dropout_mask(self, like, rate):
        count = getattr(self, "dropout_mask_count", None)
        shape = like.shape if count is None else (count,) + tuple(like.shape)
        seeds = getattr(self, "seed_generator", None)
        if getattr(self, "seed", None) is not None and isinstance(seeds, SeedGenerator):
            # `seed=` makes the masks reproducible: drawn from the cell's own stream (a CPU generator).
            keep = torch.empty(shape, dtype=like.dtype).bernoulli_(1.0 - rate, generator=seeds.generator)
            keep = keep.to(like.device)
        else:
            keep = torch.empty(shape, dtype=like.dtype, device=like.device).bernoulli_(1.0 - rate)
        # Inverted dropout: kept units are scaled by 1/(1-rate) so inference needs no rescaling.
        return keep.div_(1.0 - rate)

    def get_dropout_mask(self, step_input):
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_input):
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(step_input, self.recurrent_dropout)
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None
