"""MaxPooling2D (Keras `keras.layers.MaxPooling2D`)."""

from torchkeras.layers.pooling.base_pooling import BasePooling


class MaxPooling2D(BasePooling):
    """Max pooling over the height and width of images.

    Args: pool_size (int or 2 ints), strides (None means pool_size), padding ("valid" or "same": pads with -inf),
    data_format (None means `image_data_format()`): as Keras.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)
