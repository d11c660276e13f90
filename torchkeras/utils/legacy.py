"""keras.utils.legacy: Keras 2's (de)serialization entry points, served by the Keras 3 ones."""

from torchkeras.utils.serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
