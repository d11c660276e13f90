"""ZeroPadding2D: zeros added around height and width of a 2D-image batch."""

from torchkeras.layers.reshaping._spatial import ZeroPaddingBase


class ZeroPadding2D(ZeroPaddingBase):
    """Pads a 4D input (batch, rows, cols, channels) (channels_last) or (batch, channels, rows, cols).

    Args:
        padding: int (all sides), a tuple of 2 ints (symmetric per axis) or a tuple of 2
            (before, after) tuples.
        data_format: "channels_last" (default: the global image_data_format) or "channels_first".
    """

    _rank = 2

    def __init__(self, padding=((1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_pairs(padding, data_format)
