"""AveragePooling3D (Keras `keras.layers.AveragePooling3D`)."""

from torchkeras.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """Average pooling over the 3 spatial dims of volumes.

    Args: pool_size (int or 3 ints), strides (None means pool_size), padding ("valid" or "same": padded cells are not counted),
    data_format (None means `image_data_format()`): as Keras.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)
