"""keras.saving: the .keras format, weights files (Keras 3 and legacy Keras 2 HDF5), configs."""

from torchkeras.saving.cloning import clone_model
from torchkeras.saving.file_editor import KerasFileEditor
from torchkeras.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from torchkeras.saving.saving_api import load_model, load_weights, save_model, save_weights
from torchkeras.saving.serialization_lib import (
    SafeModeScope,
    deserialize_keras_object,
    enable_unsafe_deserialization,
    in_safe_mode,
    model_from_json,
    model_to_json,
    serialize_keras_object,
)

__all__ = ["CustomObjectScope", "KerasFileEditor", "SafeModeScope", "clone_model", "custom_object_scope",
           "deserialize_keras_object", "enable_unsafe_deserialization", "get_custom_objects",
           "get_registered_name", "get_registered_object", "in_safe_mode", "load_model", "load_weights",
           "model_from_json", "model_to_json", "register_keras_serializable", "save_model", "save_weights",
           "serialize_keras_object"]
