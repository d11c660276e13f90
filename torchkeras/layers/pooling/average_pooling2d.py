"""AveragePooling2D (Keras `keras.layers.AveragePooling2D`)."""

from torchkeras.layers.pooling.base_pooling import BasePooling


class AveragePooling2D(BasePooling):
    """Average pooling over the height and width of images.

    Args: pool_size (int or 2 ints), strides (None means pool_size), padding ("valid" or "same": padded cells are not counted),
    data_format (None means `image_data_format()`): as Keras.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)
