"""ZeroPadding3D: zeros added around the three spatial axes of a 3D-image batch."""

from torchkeras.layers.reshaping._spatial import ZeroPaddingBase


class ZeroPadding3D(ZeroPaddingBase):
    """Pads a 5D input (batch, dim1, dim2, dim3, channels) (channels_last) or (batch, channels, dim1, dim2, dim3).

    Args:
        padding: int (all sides), a tuple of 3 ints (symmetric per axis) or a tuple of 3
            (before, after) tuples.
        data_format: "channels_last" (default: the global image_data_format) or "channels_first".
    """

    _rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_pairs(padding, data_format)
