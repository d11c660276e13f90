"""Wrapper: the abstract base of layers that wrap another layer (TimeDistributed, SpectralNormalization)."""

from torchkeras.layers.layer import Layer
from torchkeras.utils import serialization


class Wrapper(Layer):
    """Abstract wrapper base class (keras.layers.Wrapper).

    Wrappers take another layer and augment it; subclasses implement `call` (usually on `self.layer`).

    Args:
        layer: the Layer to be wrapped.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure "
                             "wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._device_cache = self._device_cache
            self.layer._maybe_build(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg["layer"] = serialization.serialize_keras_object(self.layer)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from torchkeras.layers.rnn.stacked_rnn_cells import revive_layer

        config = dict(config)
        layer = revive_layer(config.pop("layer"), custom_objects)
        return super().from_config({**config, "layer": layer})
