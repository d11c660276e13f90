"""Normalization and Discretization inside real `tf.data` pipelines (`dataset.map(layer)`) against
real tf.keras: the same values, dtypes and static element shapes, batch after batch.

Imports torch first, then keras (TF backend) through conformance.reference.
"""

import numpy as np
import pytest
import torch  # noqa: F401, I001  (torch must be imported before tensorflow)

from conformance.compare import same_tf_data_map
from conformance.reference import load

keras = load()


import torchkeras  # noqa: E402

DATA = np.random.default_rng(0).normal(size=(7, 3)).astype("float32")


def _same_map(ours, ref, data, batch):
    same_tf_data_map(ours, ref, data, batch, rtol=1e-5)


@pytest.mark.parametrize("kwargs", [{"mean": [0.5, -1.0, 2.0], "variance": [1.0, 4.0, 0.25]},
                                    {"mean": 0.3, "variance": 2.0, "invert": True}])
def test_normalization_maps_a_dataset_as_keras(kwargs):
    ours, ref = torchkeras.layers.Normalization(**kwargs), keras.layers.Normalization(**kwargs)
    _same_map(ours, ref, DATA, 3)


def test_adapted_normalization_maps_a_dataset_as_keras():
    ours, ref = torchkeras.layers.Normalization(), keras.layers.Normalization()
    ours.adapt(DATA)
    ref.adapt(DATA)
    _same_map(ours, ref, DATA, 2)


@pytest.mark.parametrize("kwargs", [{"bin_boundaries": [-0.5, 0.0, 0.5]},
                                    {"bin_boundaries": [-1.0, 1.0], "output_mode": "one_hot"},
                                    {"bin_boundaries": [0.0], "output_mode": "count"}])
def test_discretization_maps_a_dataset_as_keras(kwargs):
    ours, ref = torchkeras.layers.Discretization(**kwargs), keras.layers.Discretization(**kwargs)
    data = DATA[:, :1] if kwargs.get("output_mode") == "one_hot" else DATA
    _same_map(ours, ref, data, 3)
