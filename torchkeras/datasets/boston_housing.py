"""keras.datasets.boston_housing: 506 houses, 13 features, price targets."""

import numpy as np

from torchkeras.datasets._common import fetch, shuffled

_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
                         "(exclusive of 1).")
    path = fetch(path, "boston_housing.npz", _HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    x, y = shuffled(np.random.RandomState(seed), x, y)
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
