"""Cropping1D: removes steps at the start and end of a sequence batch (batch, steps, features)."""

from torchkeras.layers.reshaping._spatial import CroppingBase


class Cropping1D(CroppingBase):
    """Crops axis 1 of a 3D input (batch, steps, features). Keras's Cropping1D has no data_format.

    Args:
        cropping: int (both ends) or a tuple (start, end); at least one step must remain.
    """

    _rank = 1
    _config_attrs = ("cropping",)

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self._init_pairs(cropping, "channels_last")

    def _check(self, shape, what):
        if shape[1] is not None and sum(self.cropping) >= shape[1]:
            raise ValueError("`cropping` parameter of `Cropping1D` layer must be smaller than the input length. "
                             f"Received: {what}={tuple(shape)}, cropping={self.cropping}.")
