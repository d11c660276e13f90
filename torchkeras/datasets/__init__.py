"""keras.datasets: Keras's small datasets, downloaded from Keras's own URLs into the Keras cache
(KERAS_HOME or ~/.keras, subfolder `datasets`) with Keras's file names and hashes, then loaded
from there offline."""

from torchkeras.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
