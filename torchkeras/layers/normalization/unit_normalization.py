"""UnitNormalization: scales each example to unit L2 norm over `axis` (Keras: x * min(rsqrt(sum x^2), 1e12))."""

import torch

from torchkeras.layers.layer import Layer
from torchkeras.layers.normalization import _utils as U
from torchkeras.layers.normalization.base_normalization import AxisNormalization

_INV_NORM_CAP = 1.0 / 1e-12  # Keras caps the inverse norm, so an all-zero slice stays zero


class UnitNormalization(AxisNormalization):
    """Normalises inputs to unit L2 norm along `axis` (int or list of ints). No weights."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        try:
            self.axis = U.check_axis_arg(axis, self)
        except TypeError:
            raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                            f"Received: axis={axis!r}") from None
        self.supports_masking = True
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def call(self, inputs):
        axes = U.normalize_axes(self.axis, inputs.dim(), self, tuple(inputs.shape))
        inv = torch.rsqrt(inputs.square().sum(dim=axes, keepdim=True))
        return inputs * torch.clamp(inv, max=_INV_NORM_CAP)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"axis": self.axis})
        return cfg
