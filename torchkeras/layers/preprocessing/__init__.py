"""Preprocessing layers: numeric, categorical, text and audio here; image layers in image_preprocessing."""

from torchkeras.layers.preprocessing.category_encoding import CategoryEncoding
from torchkeras.layers.preprocessing.discretization import Discretization
from torchkeras.layers.preprocessing.hashed_crossing import HashedCrossing
from torchkeras.layers.preprocessing.hashing import Hashing
from torchkeras.layers.preprocessing.image_preprocessing import *
from torchkeras.layers.preprocessing.image_preprocessing import __all__ as _image_all
from torchkeras.layers.preprocessing.integer_lookup import IntegerLookup
from torchkeras.layers.preprocessing.mel_spectrogram import MelSpectrogram
from torchkeras.layers.preprocessing.normalization import Normalization
from torchkeras.layers.preprocessing.stft_spectrogram import STFTSpectrogram
from torchkeras.layers.preprocessing.string_lookup import StringLookup
from torchkeras.layers.preprocessing.text_vectorization import TextVectorization

__all__ = list(_image_all) + ["CategoryEncoding", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup",
                              "MelSpectrogram", "Normalization", "STFTSpectrogram", "StringLookup",
                              "TextVectorization"]
