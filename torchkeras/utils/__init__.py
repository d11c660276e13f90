"""keras.utils."""

from torchkeras.utils.file_utils import get_file
from torchkeras.utils.numerical_utils import normalize, set_random_seed, to_categorical
from torchkeras.utils.plot_model import model_to_dot, plot_model
from torchkeras.utils.progbar import Progbar
from torchkeras.utils.py_dataset import PyDataset, Sequence
from torchkeras.utils.sequence_utils import pad_sequences
from torchkeras.utils.serialization import (
                                            deserialize_keras_object,
                                            get_registered_object,
                                            register_keras_serializable,
                                            serialize_keras_object,
)
