"""Preprocessing layers: numeric, categorical, text and audio here; image layers in image_preprocessing."""

from torchkeras.layers.preprocessing.image_preprocessing import *
from torchkeras.layers.preprocessing.image_preprocessing import __all__ as _image_all

__all__ = list(_image_all)
