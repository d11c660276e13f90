"""keras.utils."""

from torchkeras.config import (
                                            clear_session,
                                            disable_interactive_logging,
                                            enable_interactive_logging,
                                            is_interactive_logging_enabled,
)
from torchkeras.utils import legacy
from torchkeras.utils.audio_dataset_utils import audio_dataset_from_directory
from torchkeras.utils.dataset_utils import split_dataset
from torchkeras.utils.file_utils import get_file
from torchkeras.utils.general_utils import (
                                            Config,
                                            get_source_inputs,
                                            is_keras_tensor,
                                            pack_x_y_sample_weight,
                                            standardize_dtype,
                                            unpack_x_y_sample_weight,
)
from torchkeras.utils.image_dataset_utils import image_dataset_from_directory
from torchkeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from torchkeras.utils.numerical_utils import normalize, set_random_seed, to_categorical
from torchkeras.utils.plot_model import model_to_dot, plot_model
from torchkeras.utils.progbar import Progbar
from torchkeras.utils.py_dataset import PyDataset, Sequence
from torchkeras.utils.sequence_utils import pad_sequences
from torchkeras.utils.serialization import (
                                            CustomObjectScope,
                                            custom_object_scope,
                                            deserialize_keras_object,
                                            get_custom_objects,
                                            get_registered_name,
                                            get_registered_object,
                                            register_keras_serializable,
                                            serialize_keras_object,
)
from torchkeras.utils.text_dataset_utils import text_dataset_from_directory
from torchkeras.utils.timeseries_dataset_utils import timeseries_dataset_from_array


def __getattr__(name):
    # FeatureSpace is a Layer, and torchkeras.layers imports this package: load it on first use.
    if name == "FeatureSpace":
        from torchkeras.utils.feature_space import FeatureSpace
        return FeatureSpace
    raise AttributeError(f"module 'torchkeras.utils' has no attribute {name!r}")
