"""Keras 2's `keras.preprocessing` under the porting runner: torchkeras.preprocessing (image with
ImageDataGenerator, text with Tokenizer, sequence with pad_sequences / TimeseriesGenerator)."""

from torchkeras.preprocessing import *  # noqa: F403
from torchkeras.preprocessing import __all__  # noqa: F401
