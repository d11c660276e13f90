"""Seeded image preprocessing layers and MelSpectrogram inside real `tf.data` pipelines against real
tf.keras, and the build config of Embedding layers built without a shape.

In a traced call (`dataset.map(layer)`) Keras runs its layers on the TensorFlow backend, so a seeded
layer draws from TensorFlow's stateless generators: torchkeras must map a dataset to the same values,
batch after batch. Imports torch first, then keras (TF backend) through conformance.reference.
"""

import os

import numpy as np
import pytest
import torch  # noqa: F401, I001  (torch must be imported before tensorflow)

from conformance.reference import load

keras = load()

import tensorflow as tf  # noqa: E402

import torchkeras  # noqa: E402


def _map(layer, x, batch):
    return [b.numpy() for b in tf.data.Dataset.from_tensor_slices(x).batch(batch).map(layer)]


def _pair(name, *args, **kwargs):
    return getattr(torchkeras.layers, name)(*args, **kwargs), getattr(keras.layers, name)(*args, **kwargs)


def test_random_flip_vertical_seed_42_in_tf_data_as_keras_suite():
    # keras/src/layers/preprocessing/image_preprocessing/random_flip_test.py::test_tf_data_compatibility
    x3 = np.array([[[2, 3, 4]], [[5, 6, 7]]])
    ours, ref = _pair("RandomFlip", "vertical", data_format="channels_last", seed=42)
    out, want = _map(ours, x3, 2), _map(ref, x3, 2)
    np.testing.assert_array_equal(out[0], want[0])
    np.testing.assert_array_equal(out[0], [[[5, 6, 7]], [[2, 3, 4]]])


@pytest.mark.parametrize("name,args", [
    ("RandomFlip", ("horizontal_and_vertical",)),
    ("RandomRotation", (0.2,)),
    ("RandomZoom", (0.2,)),
    ("RandomTranslation", (0.2, 0.2)),
    ("RandomContrast", (0.5,)),
    ("RandomBrightness", (0.3,)),
])
def test_seeded_layer_maps_a_dataset_as_keras(name, args):
    imgs = np.random.default_rng(3).random((10, 6, 6, 3), dtype=np.float32)
    ours, ref = _pair(name, *args, seed=7)
    out, want = _map(ours, imgs, 4), _map(ref, imgs, 4)
    assert len(out) == len(want) == 3
    for o, w in zip(out, want):  # every batch: the seed state advances as Keras's does
        np.testing.assert_allclose(o, w, atol=1e-5, rtol=1e-5)
    # a second pass over the dataset continues the stream, as Keras's seed generator does
    again_ours, again_ref = _map(ours, imgs, 4), _map(ref, imgs, 4)
    for o, w in zip(again_ours, again_ref):
        np.testing.assert_allclose(o, w, atol=1e-5, rtol=1e-5)


def test_mel_spectrogram_in_tf_data_as_keras():
    x = np.random.default_rng(0).random((2, 4000))
    kwargs = dict(num_mel_bins=20, sampling_rate=8000, sequence_stride=128, fft_length=512)
    ours, ref = _pair("MelSpectrogram", **kwargs)
    out, want = _map(ours, x, 2), _map(ref, x, 2)
    assert out[0].shape == want[0].shape and out[0].dtype == want[0].dtype
    np.testing.assert_allclose(out[0], want[0], atol=1e-3)  # dB values, TF's and torch's FFTs


@pytest.mark.parametrize("cls", ["Embedding", "ReversibleEmbedding"])
def test_build_config_of_a_layer_built_without_shape(cls):
    ours, ref = _pair(cls, 7, 4)
    ours.build()
    ref.build()
    assert ours.get_build_config() == ref.get_build_config() == {"shapes_dict": {}}
    rebuilt = getattr(torchkeras.layers, cls)(7, 4)
    rebuilt.build_from_config(ref.get_build_config())
    assert rebuilt.built and [tuple(w.shape) for w in rebuilt.weights] == [tuple(w.shape) for w in ref.weights]


def test_int4_reversible_embedding_built_without_shape_loads_from_keras_file(tmp_path):
    ref = keras.layers.ReversibleEmbedding(50, 128, tie_weights=False)
    ref.build()
    ref.quantize("int4", config=keras.quantizers.Int4QuantizationConfig(block_size=64))
    path = os.path.join(tmp_path, "rev.keras")
    keras.Sequential([ref]).save(path)
    layer = torchkeras.saving.load_model(path).layers[0]
    assert layer.built
    np.testing.assert_array_equal(np.asarray(layer.reverse_embeddings_zero),
                                  keras.ops.convert_to_numpy(ref.reverse_embeddings_zero))
    ids = np.random.default_rng(1).integers(0, 50, (2, 8))
    np.testing.assert_allclose(layer(ids).numpy(), keras.ops.convert_to_numpy(ref(ids)), atol=1e-6)
