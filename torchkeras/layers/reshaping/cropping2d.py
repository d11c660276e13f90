"""Cropping2D: removes rows at the borders of height and width of a 2D-image batch."""

from torchkeras.layers.reshaping._spatial import CroppingBase


class Cropping2D(CroppingBase):
    """Crops a 4D input (batch, rows, cols, channels) (channels_last) or (batch, channels, rows, cols).

    Args:
        cropping: int (all sides), a tuple of 2 ints (symmetric per axis) or a tuple of 2
            (before, after) tuples; each axis must keep at least one element.
        data_format: "channels_last" (default: the global image_data_format) or "channels_first".
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_pairs(cropping, data_format)
