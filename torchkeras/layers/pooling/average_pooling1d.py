"""AveragePooling1D (Keras `keras.layers.AveragePooling1D`)."""

from torchkeras.layers.pooling.base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """Average pooling over the steps of (batch, steps, channels).

    Args: pool_size (int), strides (None means pool_size), padding ("valid" or "same": padded cells are not counted),
    data_format (None means `image_data_format()`): as Keras.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)
