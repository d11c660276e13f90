"""keras.utils."""

from torchkeras.utils.numerical_utils import normalize, set_random_seed, to_categorical
from torchkeras.utils.serialization import (
                                            deserialize_keras_object,
                                            get_registered_object,
                                            register_keras_serializable,
                                            serialize_keras_object,
)
