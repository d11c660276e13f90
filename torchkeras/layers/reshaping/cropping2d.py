"""Cropping2D: removes rows at the borders of height and width of a 2D-image batch."""

from torchkeras.layers.reshaping._spatial import CroppingBase, parse_pairs


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
        self._init_spatial(data_format)
        self.cropping = parse_pairs(cropping, 2, "cropping", crop=True)
        self._pairs = self.cropping

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"cropping": self.cropping, "data_format": self.data_format})
        return cfg
