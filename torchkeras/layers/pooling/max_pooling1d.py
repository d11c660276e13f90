"""MaxPooling1D (Keras `keras.layers.MaxPooling1D`)."""

from torchkeras.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Max pooling over the steps of (batch, steps, channels).

    Args: pool_size (int), strides (None means pool_size), padding ("valid" or "same": pads with -inf),
    data_format (None means `image_data_format()`): as Keras.
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)
