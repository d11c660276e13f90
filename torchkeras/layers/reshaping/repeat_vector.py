"""RepeatVector: (batch, features) -> (batch, n, features)."""

from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.reshaping._base import ReshapingLayer, positive_count


class RepeatVector(ReshapingLayer):
    """Repeats a 2D input `n` times along a new axis 1."""

    _config_attrs = ("n",)

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = positive_count(n, "n")
        self.input_spec = InputSpec(ndim=2)
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def call(self, inputs):
        return inputs.unsqueeze(1).repeat(1, self.n, 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])
