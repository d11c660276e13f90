"""keras.datasets.cifar10: 50k + 10k 32x32x3 uint8 images in 10 classes."""

import os

import numpy as np

from torchkeras.datasets._cifar import as_column, dataset_dir, load_batch, to_data_format

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Returns `(x_train, y_train), (x_test, y_test)`; labels have shape (n, 1) as in Keras."""
    path = dataset_dir("cifar-10-batches-py-target", "cifar-10-batches-py", _ORIGIN, _HASH)
    parts = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(p[1]) for p in parts])
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    return (to_data_format(x_train), as_column(y_train)), (to_data_format(x_test.astype("uint8")), as_column(y_test))
