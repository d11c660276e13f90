"""UpSampling3D: repeats each voxel `size[i]` times along the i-th spatial axis."""

from torchkeras.layers.reshaping._spatial import UpSamplingBase
from torchkeras.utils.validation import normalize_tuple


class UpSampling3D(UpSamplingBase):
    """Nearest-neighbour upsampling of a 5D input (batch, d1, d2, d3, channels) or channels_first.

    Args:
        size: int or tuple of 3 positive ints.
        data_format: "channels_last" (default: the global image_data_format) or "channels_first".
    """

    _rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_spatial(data_format)
        self.size = normalize_tuple(size, 3, "size")
        self._size = self.size
