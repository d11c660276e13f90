"""Identity: returns its inputs unchanged (a placeholder layer)."""

from torchkeras.keras_tensor import KerasTensor, map_structure
from torchkeras.layers.layer import Layer


class Identity(Layer):
    """Returns the input (any structure of tensors) as is; masks pass through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, *args, **kwargs):
        # Unlike most layers the output keeps the input's dtype (int ids stay int).
        return map_structure(lambda t: KerasTensor(t.shape, t.dtype) if isinstance(t, KerasTensor) else t, inputs)
