"""Keras's internal DataLayer base (its `self.backend` ops, seed generators), CategoryEncoding's
`_encode`, and the static shapes the text/lookup layers report for tf.data graphs.
(The tf.data behaviour itself is compared with real tf.keras in
conformance/tests/test_tf_data_lookup_conformance.py.)"""

import colorsys
import copy
import pickle

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.layers.preprocessing.data_layer import DataLayer, DynamicBackend, tf_graph_tensors
from torchkeras.random import SeedGenerator


class HSVWhereBright(DataLayer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def call(self, inputs):
        seed = self._get_seed_generator(self.backend._backend)
        draw = self.backend.random.uniform(shape=(self.backend.shape(inputs)[0],), seed=seed)
        bright = self.backend.numpy.mean(inputs, axis=-1, keepdims=True) > 0.5
        hsv = self.backend.image.rgb_to_hsv(inputs, data_format="channels_last")
        return self.backend.numpy.where(bright, hsv, inputs), draw

    def compute_output_shape(self, input_shape):
        return input_shape, (input_shape[0],)


def _hsv_reference(images):
    out = images.copy()
    for idx in np.ndindex(images.shape[:-1]):
        if images[idx].mean() > 0.5:
            out[idx] = colorsys.rgb_to_hsv(*images[idx])
    return out


def test_data_layer_backend_ops_match_numpy():
    images = np.random.default_rng(1).random((3, 4, 4, 3), dtype=np.float32)
    out, draw = HSVWhereBright(seed=3)(images)
    np.testing.assert_allclose(out.numpy(), _hsv_reference(images), rtol=1e-5, atol=1e-5)
    assert draw.shape == (3,) and bool(((draw >= 0) & (draw < 1)).all())


def test_data_layer_seed_generator_is_reproducible_and_required():
    images = np.random.default_rng(2).random((5, 2, 2, 3), dtype=np.float32)
    a, b = HSVWhereBright(seed=7), HSVWhereBright(seed=7)
    np.testing.assert_array_equal(a(images)[1].numpy(), b(images)[1].numpy())
    assert a._get_seed_generator() is a.generator
    assert a._get_seed_generator("torch") is a.generator
    with pytest.raises(ValueError, match="must be set in the `__init__` method"):
        DataLayer()._get_seed_generator()


def test_dynamic_backend_is_torch_and_refuses_other_backends():
    backend = DynamicBackend()
    assert backend.name == backend._backend == "torch"
    assert torch.equal(backend.convert_to_tensor(np.array([1, 2])), torch.tensor([1, 2]))
    assert backend.numpy.where is keras.ops.where
    with pytest.raises(ValueError, match="cannot switch to backend='jax'"):
        backend.set_backend("jax")
    with pytest.raises(ValueError, match="Received: backend=theano"):
        backend.set_backend("theano")
    backend.set_backend("torch")
    backend.reset()
    assert backend.name == "torch"
    with pytest.raises(AttributeError, match="no op 'not_an_op'"):
        backend.not_an_op  # noqa: B018
    assert DataLayer().convert_weight(torch.ones(2)).tolist() == [1.0, 1.0]


def test_data_layers_carry_the_backend_through_copies():
    for layer in (keras.layers.CategoryEncoding(num_tokens=3), keras.layers.StringLookup(vocabulary=["a"]),
                  keras.layers.TextVectorization(), keras.layers.Hashing(num_bins=3),
                  keras.layers.HashedCrossing(num_bins=3)):
        assert isinstance(layer, DataLayer)
        for clone in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
            assert clone.backend.name == "torch"


def test_no_tf_graph_tensors_in_torch_or_numpy_inputs():
    assert not tf_graph_tensors((torch.ones(2), np.ones(2), ["a"], {"k": 1}))


@pytest.mark.parametrize("ids", [np.array([1, 2, 3, 1]), np.array([[3, 2, 0, 1], [3, 2, 0, 1]])])
def test_category_encoding_encode_one_hot(ids):
    layer = keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    np.testing.assert_array_equal(layer._encode(ids).numpy(), np.eye(4, dtype=np.float32)[ids])


def test_category_encoding_count_weights_go_through_encode():
    layer = keras.layers.CategoryEncoding(num_tokens=3, output_mode="count")
    out = layer(np.array([[0, 2, 2], [1, 1, 0]]), count_weights=np.array([[1.0, 0.5, 0.25], [2.0, 3.0, 4.0]]))
    np.testing.assert_allclose(out.numpy(), [[1.0, 0.0, 0.75], [4.0, 5.0, 0.0]])


def test_text_vectorization_graph_shapes():
    data = np.array([["foo qux bar"], ["qux baz"]])
    multi = keras.layers.TextVectorization(output_mode="multi_hot")
    multi.adapt(data)
    depth = multi.vocabulary_size()
    assert multi(data).shape == (2, depth)
    assert multi._graph_output_shape((None, 1)) == (None, depth)
    assert multi._graph_output_shape((None,)) == (None, depth)
    ints = keras.layers.TextVectorization(output_sequence_length=4, vocabulary=["baz", "bar", "foo"])
    assert ints._graph_output_shape((None, 1)) == (None, 4)
    assert ints(data).shape == (2, 4)
