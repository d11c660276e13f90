"""ZeroPadding3D: zeros added around the three spatial axes of a 3D-image batch."""

from torchkeras.layers.reshaping._spatial import ZeroPaddingBase, parse_pairs


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
        self._init_spatial(data_format)
        self.padding = parse_pairs(padding, 3, "padding", crop=False)
        self._pairs = self.padding

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"padding": self.padding, "data_format": self.data_format})
        return cfg
