"""CIFAR-10/100: python-pickle batches inside Keras's extracted archive."""

import os

import numpy as np

from torchkeras import config
from torchkeras.datasets._common import _NumpyOnlyUnpickler
from torchkeras.utils.file_utils import get_file, keras_home


class _CifarUnpickler(_NumpyOnlyUnpickler):
    # The batch files are dicts of a uint8 array and a label list, built with numpy's reconstruct.
    _ALLOWED = _NumpyOnlyUnpickler._ALLOWED | {("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar")}


def load_batch(fpath, label_key="labels"):
    with open(fpath, "rb") as f:
        d = _CifarUnpickler(f, encoding="bytes").load()
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def dataset_dir(target_name, inner, origin, file_hash):
    """The folder holding the batches: Keras 3's extraction dir, or Keras 2's old cache layout."""
    legacy = os.path.join(keras_home(), "datasets", inner)
    modern = os.path.join(keras_home(), "datasets", target_name)
    if not os.path.isdir(os.path.join(modern, inner)) and os.path.isdir(legacy) \
            and not os.path.exists(modern + "_archive"):
        return legacy
    return os.path.join(get_file(fname=target_name, origin=origin, extract=True, file_hash=file_hash), inner)


def to_data_format(x):
    return x.transpose(0, 2, 3, 1) if config.image_data_format() == "channels_last" else x


def as_column(y):
    return np.reshape(np.asarray(y, dtype="uint8"), (len(y), 1))
