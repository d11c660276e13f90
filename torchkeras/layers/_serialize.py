"""keras.layers.serialize / keras.layers.deserialize."""

from torchkeras.layers.layer import Layer


def serialize(layer):
    """Returns the layer configuration as a Python dict (Keras's serialized-object format)."""
    from torchkeras.utils import serialization
    return serialization.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Returns a Keras layer object via its configuration (the inverse of `serialize`)."""
    from torchkeras.utils import serialization
    obj = serialization.deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError("`keras.layers.deserialize` was passed a `config` object that is not a "
                         f"`keras.layers.Layer`. Received: {config}")
    return obj
