"""Keras 2's `keras.preprocessing`: only `sequence.pad_sequences` is provided."""

from torchkeras.utils import sequence_utils as sequence

__all__ = ["sequence"]
