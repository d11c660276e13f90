"""Flatten: (batch, ...) -> (batch, prod(...)); channels_first inputs are moved to channels-last first."""

import math

from torchkeras import config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.reshaping._base import ShapeOnlyLayer


class Flatten(ShapeOnlyLayer):
    """Flattens all non-batch axes; a (batch,) input becomes (batch, 1).

    data_format: the layer's own (default: the global image_data_format). With "channels_first" the
    input (batch, C, ...) is transposed to (batch, ..., C) before flattening, so the element order is
    the channels-last one (what a Dense after it expects in Keras).
    """

    _config_attrs = ("data_format",)

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self.supports_masking = False
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def call(self, inputs):
        rank = inputs.dim()
        if self.data_format == "channels_first" and rank > 2:
            inputs = inputs.permute(0, *range(2, rank), 1)
        if rank == 1:
            return inputs.reshape(inputs.shape[0], 1)
        return inputs.flatten(1)

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape[1:])
        if not rest:
            flat = 1
        elif any(d is None for d in rest):
            flat = None
        else:
            flat = math.prod(rest)
        return (input_shape[0], flat)
