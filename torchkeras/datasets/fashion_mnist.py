"""keras.datasets.fashion_mnist: 60k + 10k 28x28 uint8 clothing images (the IDX files, gzipped)."""

import gzip
import os

import numpy as np

from torchkeras.datasets._common import ORIGIN
from torchkeras.utils.file_utils import get_file

_FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def _read(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """Returns `(x_train, y_train), (x_test, y_test)`, cached in ~/.keras/datasets/fashion-mnist."""
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(name, origin=ORIGIN + name, cache_subdir=subdir) for name in _FILES]
    y_train, y_test = _read(paths[0], 8), _read(paths[2], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
