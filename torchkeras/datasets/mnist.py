"""keras.datasets.mnist: 60k + 10k 28x28 uint8 digit images."""

import numpy as np

from torchkeras.datasets._common import fetch

_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Returns `(x_train, y_train), (x_test, y_test)`; downloads mnist.npz into ~/.keras/datasets once."""
    path = fetch(path, "mnist.npz", _HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
