"""keras.datasets.cifar100: 50k + 10k 32x32x3 uint8 images, 100 fine or 20 coarse labels."""

import os

from torchkeras.datasets._cifar import as_column, dataset_dir, load_batch, to_data_format

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    path = dataset_dir("cifar-100-python-target", "cifar-100-python", _ORIGIN, _HASH)
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=f"{label_mode}_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=f"{label_mode}_labels")
    return (to_data_format(x_train), as_column(y_train)), (to_data_format(x_test), as_column(y_test))
