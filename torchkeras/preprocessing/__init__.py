"""keras.preprocessing: the `image` and `sequence` modules and the dataset builders Keras 3 exports
here, plus Keras 2's `text` module (Tokenizer & co.) for ported scripts."""

from torchkeras.preprocessing import image, sequence, text
from torchkeras.utils.image_dataset_utils import image_dataset_from_directory
from torchkeras.utils.text_dataset_utils import text_dataset_from_directory
from torchkeras.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = ["image", "image_dataset_from_directory", "sequence", "text", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
