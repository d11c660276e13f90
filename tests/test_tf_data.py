"""tf.data emulation (torchkeras.porting.tf.data): pipeline semantics, and fit / evaluate / predict
consuming datasets (the emulated ones, and real TensorFlow's through `as_numpy_iterator`)."""

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.porting import tf
from torchkeras.trainers import data_adapter

X = np.arange(40, dtype=np.float32).reshape(10, 4)
Y = np.arange(10)
Dataset = tf.data.Dataset


def _values(ds):
    return [tf.nest.map_structure(lambda a: np.asarray(a).tolist(), e) for e in ds.as_numpy_iterator()]


def test_slices_batch_and_cardinality():
    ds = Dataset.from_tensor_slices((X, Y)).batch(4)
    batches = list(ds)
    assert [tuple(b[0].shape) for b in batches] == [(4, 4), (4, 4), (2, 4)]
    assert batches[1][1].tolist() == [4, 5, 6, 7] and batches[0][1].dtype == torch.int64
    assert int(ds.cardinality()) == 3 and len(ds) == 3
    assert len(Dataset.from_tensor_slices(X).batch(4, drop_remainder=True)) == 2
    spec = ds.element_spec
    assert spec[0].shape.as_list() == [None, 4] and spec[0].dtype == tf.float32 and spec[1].dtype == tf.int64


def test_dicts_strings_and_python_lists_follow_tf_conversion():
    ds = Dataset.from_tensor_slices({"x": X[:3], "name": ["a", "bb", "c"]})
    first = next(iter(ds))
    assert first["name"].numpy() == b"a" and first["x"].tolist() == X[0].tolist()
    assert Dataset.from_tensor_slices([1.0, 2.0]).element_spec.dtype == tf.float32
    assert Dataset.from_tensor_slices(X.astype(np.float64)).element_spec.dtype == tf.float64
    with pytest.raises(ValueError, match="not compatible"):
        Dataset.from_tensor_slices((X, Y[:3]))


def test_shuffle_is_a_seeded_permutation_that_reshuffles():
    ds = Dataset.from_tensor_slices(Y).shuffle(10, seed=7)
    first, second = [int(v) for v in ds], [int(v) for v in ds]
    assert sorted(first) == list(range(10)) and first != second
    again = [int(v) for v in Dataset.from_tensor_slices(Y).shuffle(10, seed=7)]
    assert again == first
    fixed = Dataset.from_tensor_slices(Y).shuffle(10, seed=7, reshuffle_each_iteration=False)
    assert [int(v) for v in fixed] == [int(v) for v in fixed]
    small = [int(v) for v in Dataset.range(100).shuffle(3, seed=1)]
    assert sorted(small) == list(range(100))
    # a buffer of 3 can move an element at most 2 places earlier
    assert all(pos >= v - 2 for pos, v in enumerate(small))


def test_batched_fast_path_equals_element_by_element_batching():
    fast = Dataset.from_tensor_slices((X, Y)).shuffle(4, seed=3).repeat(2).skip(3).take(15).batch(4)
    slow = Dataset.from_tensor_slices((X, Y)).map(lambda a, b: (a, b)).shuffle(4, seed=3).repeat(2) \
        .skip(3).take(15).batch(4)
    assert Dataset.from_tensor_slices(X).shuffle(4).repeat(2).skip(3).take(15)._index_stream() is not None
    assert [b[1].tolist() for b in fast] == [b[1].tolist() for b in slow]


def test_map_filter_parallel_and_prefetch_keep_order():
    ds = Dataset.range(50).map(lambda i: i * 2, num_parallel_calls=tf.data.AUTOTUNE).filter(
        lambda i: i % 3 == 0).prefetch(tf.data.AUTOTUNE)
    assert [int(v) for v in ds] == [i * 2 for i in range(50) if (i * 2) % 3 == 0]
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY


def test_padded_batch_unbatch_interleave_and_enumerate():
    ragged = Dataset.from_generator(lambda: (np.arange(n) for n in (1, 3, 2)),
                                    output_signature=tf.TensorSpec((None,), tf.int64))
    padded = list(ragged.padded_batch(2, padding_values=np.int64(-1)))
    assert padded[0].tolist() == [[0, -1, -1], [0, 1, 2]] and padded[1].tolist() == [[0, 1]]
    assert [int(v) for v in Dataset.from_tensor_slices(X).batch(3).unbatch().map(lambda r: r[0])] == list(X[:, 0])
    inter = Dataset.range(2).interleave(lambda i: Dataset.range(i * 10, i * 10 + 3), cycle_length=2, block_length=2)
    assert [int(v) for v in inter] == [0, 1, 10, 11, 2, 12]
    assert _values(Dataset.range(3).enumerate(5)) == [(5, 0), (6, 1), (7, 2)]
    assert [int(v) for v in Dataset.range(3).flat_map(lambda i: Dataset.range(i))] == [0, 0, 1]


def test_repeat_take_skip_cardinalities():
    assert int(Dataset.range(5).repeat().cardinality()) == tf.data.INFINITE_CARDINALITY
    assert int(Dataset.range(5).repeat().take(7).cardinality()) == 7
    assert int(Dataset.range(5).skip(2).repeat(3).cardinality()) == 9
    assert [int(v) for v in Dataset.range(3).repeat().take(7)] == [0, 1, 2, 0, 1, 2, 0]
    with pytest.raises(TypeError, match="infinite"):
        len(Dataset.range(2).repeat())


def test_cache_replays_the_first_pass():
    calls = []
    ds = Dataset.range(3).map(lambda i: calls.append(1) or i).cache()
    assert [int(v) for v in ds] == [int(v) for v in ds] == [0, 1, 2]
    assert len(calls) == 3


def test_fit_evaluate_predict_take_datasets():
    rng = np.random.RandomState(0)
    x = rng.rand(64, 4).astype(np.float32)
    y = (x.sum(1, keepdims=True) > 2).astype(np.float32)
    model = torchkeras.Sequential([torchkeras.Input((4,)), torchkeras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=torchkeras.optimizers.SGD(0.5), loss="binary_crossentropy")
    train = Dataset.from_tensor_slices((x, y)).shuffle(64).batch(16).prefetch(tf.data.AUTOTUNE)
    hist = model.fit(train, epochs=3, verbose=0, validation_data=Dataset.from_tensor_slices((x, y)).batch(32))
    assert len(hist.history["loss"]) == 3 and hist.history["loss"][-1] < hist.history["loss"][0]
    model.fit(train.repeat(), steps_per_epoch=3, epochs=2, verbose=0)
    assert np.isfinite(model.evaluate(Dataset.from_tensor_slices((x, y)).batch(10), verbose=0))
    assert model.predict(Dataset.from_tensor_slices(x).batch(7), verbose=0).shape == (64, 1)


class _RealLikeDataset:
    """Stands for a real tf.data.Dataset: recognised by module name, iterated via as_numpy_iterator."""

    def __init__(self, x, y, batch):
        self.x, self.y, self.batch = x, y, batch

    def as_numpy_iterator(self):
        for i in range(0, len(self.x), self.batch):
            yield self.x[i:i + self.batch], self.y[i:i + self.batch]

    def cardinality(self):
        return np.int64(-(-len(self.x) // self.batch))

    def __iter__(self):
        raise AssertionError("torchkeras must iterate a real TensorFlow dataset as numpy")


_RealLikeDataset.__module__ = "tensorflow.python.data.ops.batch_op"


def test_real_tensorflow_datasets_are_iterated_as_numpy():
    ds = _RealLikeDataset(X, (Y % 2).astype(np.float32)[:, None], 4)
    assert data_adapter.is_tf_dataset(ds) and len(data_adapter.TFDatasetIterable(ds)) == 3
    model = torchkeras.Sequential([torchkeras.Input((4,)), torchkeras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert len(model.fit(ds, epochs=2, verbose=0).history["loss"]) == 2
    assert not data_adapter.is_tf_dataset(X)
