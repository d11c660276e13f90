"""AdaptiveMaxPooling2D (Keras `keras.layers.AdaptiveMaxPooling2D`)."""

from torchkeras.layers.pooling.base_adaptive_pooling import BaseAdaptiveMaxPooling


class AdaptiveMaxPooling2D(BaseAdaptiveMaxPooling):
    """Max of each adaptive bin of the 2 spatial axes, so the output has `output_size` cells.

    Args: output_size (int or tuple of 2 ints), data_format: as Keras. Bin i of an axis of length L
    pooled to O cells covers [floor(i*L/O), ceil((i+1)*L/O)).
    """

    rank = 2

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)
