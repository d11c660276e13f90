"""The emulated tf.data keeps the nesting of `from_tensor_slices` elements as TensorFlow does: a dict of
features next to labels stays a dict even when it has a single key (then the tuple has as many leaves
as entries, which once made it look like a flat tuple). conformance/tests/test_tf_emulation_conformance.py
compares the same pipelines with real tf.data."""

import numpy as np
import torch

from torchkeras.porting import tf

X = np.arange(12, dtype=np.float32).reshape(4, 3)
Y = np.array([0, 1, 1, 0])


def test_single_key_dict_next_to_labels_stays_a_dict():
    ds = tf.data.Dataset.from_tensor_slices(({"a": X}, Y))
    features, label = next(iter(ds))
    assert isinstance(features, dict) and list(features) == ["a"]
    torch.testing.assert_close(features["a"], torch.from_numpy(X[0]))
    assert int(label) == 0
    spec = ds.element_spec
    assert isinstance(spec[0], dict) and spec[0]["a"].shape.as_list() == [3]


def test_single_key_dict_through_batch_shuffle_and_map():
    ds = tf.data.Dataset.from_tensor_slices(({"a": X}, Y))
    features, label = next(iter(ds.batch(4)))
    assert list(features) == ["a"] and tuple(features["a"].shape) == (4, 3)
    features, label = next(iter(ds.shuffle(4, seed=1).batch(4)))
    assert sorted(features["a"][:, 0].tolist()) == [0.0, 3.0, 6.0, 9.0]
    # A map over (features, label) gets the dict as its first argument, as TensorFlow passes it.
    seen = next(iter(ds.map(lambda f, y: (f["a"] * 2, y))))
    torch.testing.assert_close(seen[0], torch.from_numpy(X[0] * 2))


def test_flat_tuple_and_nested_tuple_slices():
    a, b = next(iter(tf.data.Dataset.from_tensor_slices((X, Y))))
    assert tuple(a.shape) == (3,) and int(b) == 0
    (inner,), label = next(iter(tf.data.Dataset.from_tensor_slices(((X,), Y))))
    assert tuple(inner.shape) == (3,) and int(label) == 0
