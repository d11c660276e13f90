"""BaseGlobalPooling: GlobalMax/GlobalAveragePooling 1D/2D/3D (reduce every spatial axis)."""

from torchkeras import config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


class BaseGlobalPooling(Layer):
    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = pool_dimensions
        self.data_format = config.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + pool_dimensions))
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        n, c = (input_shape[0], input_shape[-1]) if self.data_format == "channels_last" \
            else (input_shape[0], input_shape[1])
        if not self.keepdims:
            return (n, c)
        ones = (1,) * (len(input_shape) - 2)
        return (n,) + ones + (c,) if self.data_format == "channels_last" else (n, c) + ones

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return cfg
