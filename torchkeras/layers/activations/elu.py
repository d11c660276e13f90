"""ELU layer: `x if x > 0 else alpha * (exp(x) - 1)`."""

from torchkeras import activations
from torchkeras.layers.layer import Layer


class ELU(Layer):
    """Exponential linear unit with scale `alpha` (default 1.0) for the negative part."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg["alpha"] = self.alpha
        return cfg
