"""BaseGlobalPooling: GlobalMax/GlobalAveragePooling 1D/2D/3D (reduce every spatial axis)."""

from torchkeras import config
from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.convolutional.conv_utils import channel_axis, spatial_axes, with_channels
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


class BaseGlobalPooling(Layer):
    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = pool_dimensions
        self.data_format = config.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self._axes = tuple(spatial_axes(pool_dimensions, self.data_format))
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def _float_inputs(self, inputs):
        # Keras's mean of an int tensor is float (compute dtype); torch's mean refuses ints.
        return inputs if inputs.is_floating_point() else inputs.to(torch_dtype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        c = input_shape[channel_axis(self.data_format)]
        if not self.keepdims:
            return (input_shape[0], c)
        return with_channels(self, input_shape, (1,) * (len(input_shape) - 2), c)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return cfg
