"""Activation: applies an activation function (keeps the `_keras_logits` that softmax/sigmoid attach)."""

from torchkeras import activations
from torchkeras.layers.layer import Layer


class Activation(Layer):
    """Applies `activation` (a name, a config dict or a callable on torch tensors) elementwise.

    Input/output shape: any, unchanged. Propagates masks.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg["activation"] = activations.serialize(self.activation)
        return cfg
