"""ZeroPadding1D: zeros added at the start and end of the steps axis."""

from torchkeras.layers.reshaping._spatial import ZeroPaddingBase


class ZeroPadding1D(ZeroPaddingBase):
    """Pads a 3D input (batch, steps, features) on the steps axis (axis 2 for channels_first).

    Args:
        padding: int (same on both sides) or a tuple (left, right).
        data_format: "channels_last" (default: the global image_data_format) or "channels_first".
    """

    _rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_pairs(padding, data_format)
