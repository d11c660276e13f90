"""GlobalMaxPooling1D (Keras `keras.layers.GlobalMaxPooling1D`)."""

from torchkeras.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Maximum over the spatial axes. Args: data_format, keepdims (keep size-1 spatial axes): as Keras."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return inputs.amax(dim=self._axes, keepdim=self.keepdims)
