"""UpSampling1D: repeats each step `size` times along the steps axis."""

from torchkeras.layers.reshaping._base import positive_count
from torchkeras.layers.reshaping._spatial import UpSamplingBase


class UpSampling1D(UpSamplingBase):
    """Input (batch, steps, features) -> (batch, steps * size, features). Keras's UpSampling1D has no data_format.

    Args:
        size: positive int, the repetition factor.
    """

    _rank = 1
    _config_attrs = ("size",)

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = positive_count(size, "size")
        self._size = (size,)
        self._init_spatial("channels_last")
