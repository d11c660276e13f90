"""Equalization: histogram equalization of each channel (over the whole batch, as Keras)."""

import torch

from torchkeras.layers.preprocessing.image_preprocessing._color_base import ColorLayer


class Equalization(ColorLayer):
    """Equalizes the histogram of each channel (applied in training; inference returns the input).

    Args:
        value_range: the (min, max) of the input pixels (default (0, 255)).
        bins: the number of histogram bins (default 256).
        data_format: "channels_last" (default) or "channels_first".
    """

    _USE_BASE_FACTOR = True

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = self._check_value_range(value_range)

    @staticmethod
    def _rescale(values, src, dst):
        scale = (dst[1] - dst[0]) / (src[1] - src[0])
        return values * scale + (dst[0] - src[0] * scale)

    def _equalize_channel(self, channel):
        channel = self._rescale(channel, self.value_range, (0, 255))
        bins = self.bins
        idx = ((channel.float() - 0.0) * (bins - 1) / 255.0).to(torch.int32).clamp(0, bins - 1)
        hist = torch.bincount(idx.reshape(-1).long(), minlength=bins)
        cdf = torch.cumsum(hist, 0)
        cdf_min = cdf[torch.nonzero(cdf)[0, 0]] if bool((cdf > 0).any()) else cdf[0]
        denom = cdf[-1] - cdf_min
        denom = torch.where(denom == 0, torch.ones_like(denom), denom)
        table = torch.round(((cdf - cdf_min) * 255).double() / denom.double()).clamp(0, 255)
        lookup = ((channel / 255.0) * (bins - 1)).clamp(0, bins - 1).to(torch.int32)
        equalized = table[lookup.long()].to(channel.dtype)
        out = torch.where(torch.count_nonzero(hist) <= 1, channel, equalized)
        return self._rescale(out, (0, 255), self.value_range)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._float(images)
        axis = self._channel_axis()
        channels = [self._equalize_channel(c) for c in images.unbind(axis)]
        return self._float(torch.stack(channels, dim=axis))

    def get_config(self):
        cfg = super(ColorLayer, self).get_config()
        cfg.update({"bins": self.bins, "value_range": self.value_range})
        return cfg
