"""MaxPooling3D (Keras `keras.layers.MaxPooling3D`)."""

from torchkeras.layers.pooling.base_pooling import BasePooling


class MaxPooling3D(BasePooling):
    """Max pooling over the 3 spatial dims of volumes.

    Args: pool_size (int or 3 ints), strides (None means pool_size), padding ("valid" or "same": pads with -inf),
    data_format (None means `image_data_format()`): as Keras.
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)
