"""Keras-suite fixes for Embedding / ReversibleEmbedding saving and the seeded image layers' tf.data stream.

Expected values come from Keras 3.15's rules (its build config of a layer built without a shape,
its SeedGenerator and TensorFlow `_cast_seed` arithmetic) or from round trips against the original
layer; the comparisons with real tf.keras and tf.data are in
conformance/tests/test_tf_data_image_audio_conformance.py.
"""

import os

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers
from torchkeras.layers.preprocessing.image_preprocessing import _backend, _tf_data
from torchkeras.quantizers import Int4QuantizationConfig


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


# ---------------------------------------------------------------- Embedding build config


@pytest.mark.parametrize("cls", [layers.Embedding, layers.ReversibleEmbedding])
def test_layer_built_without_shape_records_an_empty_shapes_dict(cls):
    layer = cls(7, 4)
    assert layer.get_build_config() is None  # not built: nothing to rebuild
    layer.build()
    # Keras: build() bound no argument, so get_build_config() is {"shapes_dict": {}}
    assert layer.get_build_config() == {"shapes_dict": {}}
    fresh = cls(7, 4)
    fresh.build_from_config({"shapes_dict": {}})
    assert fresh.built and [tuple(w.shape) for w in fresh.weights] == [tuple(w.shape) for w in layer.weights]


def test_layer_built_by_a_call_keeps_its_input_shape():
    layer = layers.Embedding(7, 4)
    layer(np.zeros((2, 3), "int32"))
    cfg = layer.get_build_config()
    assert "shapes_dict" not in cfg and tuple(cfg["input_shape"])[-1] == 3


def test_build_from_config_with_a_none_input_shape_builds():
    layer = layers.Embedding(5, 2)
    layer.build_from_config({"input_shape": None})
    assert layer.built and tuple(layer.embeddings.shape) == (5, 2)


def test_embedding_built_without_shape_round_trips_through_a_keras_file(tmp_path):
    layer = layers.Embedding(9, 3)
    layer.build()
    path = os.path.join(tmp_path, "emb.keras")
    with pytest.warns(UserWarning, match="not yet been built"):
        torchkeras.Sequential([layer]).save(path)
    loaded = torchkeras.saving.load_model(path).layers[0]
    assert loaded.built  # built at load, before any call, as Keras does
    np.testing.assert_array_equal(_np(loaded.embeddings), _np(layer.embeddings))


@pytest.mark.parametrize("block_size", [64, None])
@pytest.mark.parametrize("tie_weights", [False, True])
def test_int4_reversible_embedding_round_trip_keeps_zero_points(tmp_path, block_size, tie_weights):
    layer = layers.ReversibleEmbedding(50, 128, tie_weights=tie_weights)
    layer.build()
    layer.quantize("int4", config=Int4QuantizationConfig(block_size=block_size))
    path = os.path.join(tmp_path, "rev.keras")
    with pytest.warns(UserWarning, match="not yet been built"):
        torchkeras.Sequential([layer]).save(path)
    loaded = torchkeras.saving.load_model(path).layers[0]
    assert loaded.built
    assert loaded.quantization_config.block_size == block_size
    assert [w.path for w in loaded.weights] == [w.path for w in layer.weights]
    for ours, ref in zip(loaded.weights, layer.weights):
        np.testing.assert_array_equal(_np(ours), _np(ref))
    if not tie_weights and block_size is not None:
        assert tuple(loaded.reverse_embeddings_zero.shape) == (2, 50)  # (ceil(128 / 64), input_dim)
    ids = np.random.default_rng(0).integers(0, 50, (2, 8))
    hidden = torch.as_tensor(np.random.default_rng(1).normal(size=(2, 8, 128)).astype("float32"))
    np.testing.assert_array_equal(_np(loaded(ids)), _np(layer(ids)))
    np.testing.assert_array_equal(_np(loaded(hidden, reverse=True)), _np(layer(hidden, reverse=True)))


# ---------------------------------------------------------------- the tf.data seed stream


def test_tf_seed_generator_advances_like_keras_seed_generator():
    gen = _backend.TFSeedGenerator(42)
    # Keras: state starts at [seed, 0] and next() returns it, then adds [0, 1]
    assert [gen.next() for _ in range(3)] == [(42, 0), (42, 1), (42, 2)]


def test_tf_seed_generator_does_not_advance_while_probing():
    gen = _backend.TFSeedGenerator(5)
    with _tf_data._tf_data_scope(probe=True):
        assert _tf_data.in_tf_data() and _tf_data.probing()
        assert gen.next() == gen.next() == (5, 0)
        with _tf_data._tf_data_scope():  # a nested layer call inside the probe still probes
            assert gen.next() == (5, 0)
    assert not _tf_data.in_tf_data() and not _tf_data.probing()
    assert gen.next() == (5, 0) and gen.next() == (5, 1)


def test_tf_seed_generator_seed_rules():
    seed, _ = _backend.TFSeedGenerator(None).next()
    assert 1 <= seed <= 10 ** 9  # Keras's make_default_seed range
    with pytest.raises(ValueError, match="must be an integer"):
        _backend.TFSeedGenerator(1.5)


def test_tf_seed_follows_keras_cast_seed_only_inside_tf_data():
    assert _backend._tf_seed(3) is None  # outside tf.data an int seed draws from torch, as before
    assert _backend._tf_seed(None) is None
    with _tf_data._tf_data_scope():
        # Keras's TensorFlow `_cast_seed`: floormod(seed, int32.max - 1)
        assert _backend._tf_seed(2 ** 31) == [2, 0]
        assert _backend._tf_seed(-1) == [2 ** 31 - 3, 0]
        assert _backend._tf_seed(_backend.TFSeedGenerator(7)) == [7, 0]
        assert _backend._tf_seed(None) is None


def test_image_layer_uses_its_own_generator_outside_tf_data():
    layer = layers.RandomFlip(seed=3)
    assert layer._get_seed_generator() is layer.generator
    with _tf_data._tf_data_scope():
        gen = layer._get_seed_generator()
        assert isinstance(gen, _backend.TFSeedGenerator) and gen.seed == 3
        assert layer._get_seed_generator() is gen  # one per layer, kept across calls
    assert layer._get_seed_generator() is layer.generator


def test_tf_seed_generator_is_refused_by_torch_draws():
    with pytest.raises(TypeError, match="TensorFlow draws"):
        _backend._generator(_backend.TFSeedGenerator(1))
