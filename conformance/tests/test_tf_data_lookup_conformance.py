"""Lookup, text, hashing and encoding layers inside real `tf.data` pipelines (`dataset.map(layer)`)
against real tf.keras: the same values, dtypes and static element shapes, batch after batch; and
Keras's internal `DataLayer` base (`self.backend` ops) mapped over a dataset.

Imports torch first, then keras (TF backend) through conformance.reference.
"""

import numpy as np
import pytest
import torch  # noqa: F401, I001  (torch must be imported before tensorflow)

from conformance.compare import same_tf_data_map
from conformance.reference import load

keras = load()

from keras.src.layers.preprocessing.data_layer import DataLayer as KerasDataLayer  # noqa: E402

import torchkeras  # noqa: E402
from torchkeras.layers.preprocessing.data_layer import DataLayer  # noqa: E402


def _pair(name, **kwargs):
    return getattr(torchkeras.layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)


def _same_map(ours, ref, data, batch, fn=None, drop_remainder=False):
    same_tf_data_map(ours, ref, data, batch, fn, drop_remainder)


WORDS = np.array([["a", "b", "c"], ["c", "zz", ""], ["b", "b", "q"], ["ü", "a", "q"], ["c", "c", "c"]])
TEXT = np.array([["foo qux bar"], ["qux baz"], ["The Foo, bar!"], [""], ["baz baz foo"]])


@pytest.mark.parametrize("kwargs", [
    {"vocabulary": ["a", "b", "c"]},
    {"vocabulary": ["a", "b", "c"], "output_mode": "multi_hot"},
    {"vocabulary": ["a", "b", "c"], "output_mode": "count", "num_oov_indices": 2},
    {"vocabulary": ["a", "b", "c"], "mask_token": "", "output_mode": "int"},
])
def test_string_lookup_maps_a_dataset_as_keras(kwargs):
    ours, ref = _pair("StringLookup", **kwargs)
    _same_map(ours, ref, WORDS, 2)


@pytest.mark.parametrize("kwargs", [
    {"output_sequence_length": 4},
    {"output_sequence_length": 4, "split": None},
    {"output_mode": "multi_hot"},
    {"output_mode": "tf_idf"},
    {"ngrams": 2, "output_mode": "count"},
])
def test_text_vectorization_maps_a_dataset_as_keras(kwargs):
    ours, ref = _pair("TextVectorization", max_tokens=20, **kwargs)
    ours.adapt(TEXT)
    ref.adapt(TEXT)
    _same_map(ours, ref, TEXT, 2)


def test_integer_lookup_and_category_encoding_map_a_dataset_as_keras():
    ids = np.array([[3, 5, 9], [5, 5, 0], [7, 3, 3], [11, 2, 7]], dtype="int64")
    _same_map(*_pair("IntegerLookup", vocabulary=[3, 5, 7]), ids, 3)
    _same_map(*_pair("IntegerLookup", vocabulary=[3, 5, 7], output_mode="one_hot"), ids[:, :1], 4,
              drop_remainder=True)
    small = np.array([[0, 1, 3], [2, 2, 1], [3, 0, 0]], dtype="int32")
    _same_map(*_pair("CategoryEncoding", num_tokens=4, output_mode="multi_hot"), small, 2)
    _same_map(*_pair("CategoryEncoding", num_tokens=4, output_mode="one_hot", dtype="int32"), small[:, 0], 3)
    weights = np.array([[0.5, 1.0, 2.0], [1.0, 1.0, 1.0], [0.1, 0.2, 0.3]], dtype="float32")
    _same_map(*_pair("CategoryEncoding", num_tokens=4, output_mode="count"), (small, weights), 2,
              fn=lambda layer: lambda x, w: layer(x, count_weights=w))


def test_hashing_and_hashed_crossing_map_a_dataset_as_keras():
    _same_map(*_pair("Hashing", num_bins=7), WORDS, 2)
    _same_map(*_pair("Hashing", num_bins=5, output_mode="multi_hot"), WORDS, 2)
    feat1 = np.array(["A", "B", "A", "B", "A", "C"])
    feat2 = np.array([101, 101, 101, 102, 102, 7])
    _same_map(*_pair("HashedCrossing", num_bins=5), (feat1, feat2), 3, drop_remainder=True,
              fn=lambda layer: lambda a, b: layer((a, b)))
    _same_map(*_pair("HashedCrossing", num_bins=4, output_mode="one_hot"), (feat1, feat2), 4,
              fn=lambda layer: lambda a, b: layer((a, b)))


def _hsv_layer(base):
    class ToHSVWhereBright(base):
        """Deterministic: `self.backend` ops only (Keras's DataLayer contract)."""

        def call(self, inputs):
            bright = self.backend.numpy.mean(inputs, axis=-1, keepdims=True) > 0.5
            hsv = self.backend.image.rgb_to_hsv(inputs, data_format="channels_last")
            return self.backend.numpy.where(bright, hsv, inputs)

        def compute_output_shape(self, input_shape):
            return input_shape

    return ToHSVWhereBright()


def test_data_layer_subclass_maps_a_dataset_as_keras():
    images = np.random.default_rng(0).random((5, 4, 4, 3), dtype=np.float32)
    _same_map(_hsv_layer(DataLayer), _hsv_layer(KerasDataLayer), images, 2)
    ours, ref = _hsv_layer(DataLayer), _hsv_layer(KerasDataLayer)
    np.testing.assert_allclose(ours(images).numpy(), np.asarray(ref(images)), rtol=1e-5, atol=1e-6)
