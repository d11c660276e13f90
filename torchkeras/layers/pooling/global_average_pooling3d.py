"""GlobalAveragePooling3D (Keras `keras.layers.GlobalAveragePooling3D`)."""

from torchkeras.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over the spatial axes. Args: data_format, keepdims (keep size-1 spatial axes): as Keras."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return self._float_inputs(inputs).mean(dim=self._axes, keepdim=self.keepdims)
