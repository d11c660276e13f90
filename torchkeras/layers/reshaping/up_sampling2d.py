"""UpSampling2D: upsampling of an image batch by integer factors (repeat for "nearest", else a resize).

"bilinear" is TF's resize with half-pixel centers, which is torch's interpolate(align_corners=False)
with the output size given explicitly (both clamp source coordinates at the borders). The other
methods go through `ops.image.resize`, which builds TF's kernels (torch's bicubic uses a = -0.75
where TF uses -0.5, and torch has no lanczos).
"""

import torch.nn.functional as F

from torchkeras.layers.reshaping._spatial import UpSamplingBase, repeat_nearest
from torchkeras.ops.image_resize import resize
from torchkeras.utils.validation import normalize_tuple

_KERAS_METHODS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


class UpSampling2D(UpSamplingBase):
    """Input (batch, rows, cols, channels) -> (batch, rows * size[0], cols * size[1], channels).

    Args:
        size: int or tuple of 2 positive ints.
        data_format: "channels_last" (default: the global image_data_format) or "channels_first".
        interpolation: "nearest" (default), "bilinear", "bicubic", "lanczos3", "lanczos5" or "area".
    """

    _rank = 2
    _config_attrs = ("size", "data_format", "interpolation")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self._init_spatial(data_format)
        self.size = normalize_tuple(size, 2, "size")
        self._size = self.size
        if not isinstance(interpolation, str) or interpolation.lower() not in _KERAS_METHODS:
            raise ValueError(f"Invalid value for argument `interpolation`. Expected one of {_KERAS_METHODS}. "
                             f"Received: interpolation={interpolation!r}")
        self.interpolation = interpolation.lower()

    def call(self, inputs):
        if self.interpolation == "nearest":
            return repeat_nearest(inputs, self._axes, self._size)
        if self.interpolation != "bilinear":
            axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
            size = (inputs.shape[axes[0]] * self.size[0], inputs.shape[axes[1]] * self.size[1])
            return resize(inputs, size, interpolation=self.interpolation, data_format=self.data_format)
        x = inputs if self.data_format == "channels_first" else inputs.permute(0, 3, 1, 2)
        if not x.is_floating_point():
            x = x.float()  # TF's resize returns float32 for integer images
        size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        out = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        return out if self.data_format == "channels_first" else out.permute(0, 2, 3, 1)
