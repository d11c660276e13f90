"""TimeDistributed: applies a layer to every temporal slice of a (batch, time, ...) input."""

from torchkeras.layers.layer import Layer
from torchkeras.utils import serialization


class TimeDistributed(Layer):
    """Runs `layer` on the input reshaped to (batch * time, ...) and restores (batch, time, ...).

    The wrapped layer sees one merged batch, which is what Keras computes and what the fused torch ops
    want. A mask (batch, time) passes through unchanged.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _inner_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                             f"dimensions, received: {input_shape}")
        return (None,) + tuple(input_shape[2:])

    def build(self, input_shape):
        inner = self._inner_shape(input_shape)
        if not self.layer.built:
            self.layer._device_cache = self._device_cache
            self.layer._maybe_build(inner)

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape(self._inner_shape(input_shape))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def call(self, inputs, training=None, mask=None):
        b, t = inputs.shape[0], inputs.shape[1]
        kwargs = {"training": training} if self.layer._call_args()[0] else {}
        y = self.layer(inputs.reshape((b * t,) + tuple(inputs.shape[2:])), **kwargs)
        return y.reshape((b, t) + tuple(y.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        cfg = super().get_config()
        cfg["layer"] = serialization.serialize_keras_object(self.layer)
        return cfg

    @classmethod
    def from_config(cls, cfg, custom_objects=None):
        cfg = dict(cfg)
        cfg["layer"] = serialization.deserialize_keras_object(cfg["layer"], custom_objects)
        return cls(**cfg)
