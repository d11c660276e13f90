"""tf.data.Dataset: a lazy pipeline of Python iterators over torch tensors. Each transformation is a
node; `__iter__` pulls elements through the chain. Pipelines of slices, shuffles, repeats and batches
skip per-element work: they stream index arrays and gather whole batches at once."""

import torch

from torchkeras.porting.tf.data._structure import INFINITE, UNKNOWN, spec_of, to_numpy


class Dataset:
    """Base of all pipeline nodes. Subclasses implement `_elements()` (a fresh generator per pass) and
    `_cardinality()`; index-streaming nodes also implement `_index_stream()`."""

    # -- sources --------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        from torchkeras.porting.tf.data._sources import TensorSlices
        return TensorSlices(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        from torchkeras.porting.tf.data._sources import FromTensors
        return FromTensors(tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None, output_signature=None,
                       name=None):
        from torchkeras.porting.tf.data._sources import FromGenerator
        return FromGenerator(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def range(*args, output_type="int64", name=None):
        from torchkeras.porting.tf.data._sources import Range
        return Range(*args, output_type=output_type)

    @staticmethod
    def zip(*datasets, name=None):
        from torchkeras.porting.tf.data._sources import Zip
        return Zip(datasets[0] if len(datasets) == 1 else datasets)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None):
        from torchkeras.porting.tf.data._sources import Sample
        return Sample(datasets, weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        from torchkeras.porting.tf.data._sources import Choose
        return Choose(datasets, choice_dataset, stop_on_empty_dataset)

    # -- transformations ------------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        from torchkeras.porting.tf.data._transforms import Map
        return Map(self, map_func, num_parallel_calls)

    def filter(self, predicate, name=None):
        from torchkeras.porting.tf.data._transforms import Filter
        return Filter(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        from torchkeras.porting.tf.data._batching import Batch
        return Batch(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False, name=None):
        from torchkeras.porting.tf.data._batching import PaddedBatch
        return PaddedBatch(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name=None):
        from torchkeras.porting.tf.data._batching import Unbatch
        return Unbatch(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        return self.unbatch().batch(batch_size, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        from torchkeras.porting.tf.data._transforms import Shuffle
        return Shuffle(self, buffer_size, seed, True if reshuffle_each_iteration is None else reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        from torchkeras.porting.tf.data._transforms import Repeat
        return Repeat(self, count)

    def take(self, count, name=None):
        from torchkeras.porting.tf.data._transforms import Take
        return Take(self, count)

    def skip(self, count, name=None):
        from torchkeras.porting.tf.data._transforms import Skip
        return Skip(self, count)

    def shard(self, num_shards, index, name=None):
        from torchkeras.porting.tf.data._transforms import Shard
        return Shard(self, num_shards, index)

    def cache(self, filename="", name=None):
        from torchkeras.porting.tf.data._pipelining import Cache
        return Cache(self)

    def prefetch(self, buffer_size, name=None):
        from torchkeras.porting.tf.data._pipelining import Prefetch
        return Prefetch(self, buffer_size)

    def flat_map(self, map_func, name=None):
        from torchkeras.porting.tf.data._pipelining import Interleave
        return Interleave(self, map_func, 1, 1)

    def interleave(self, map_func, cycle_length=None, block_length=None, num_parallel_calls=None,
                   deterministic=None, name=None):
        from torchkeras.porting.tf.data._pipelining import Interleave
        return Interleave(self, map_func, cycle_length, block_length or 1)

    def enumerate(self, start=0, name=None):
        from torchkeras.porting.tf.data._sources import Range, Zip
        return Zip((Range(start, 2 ** 62), self))

    def concatenate(self, dataset, name=None):
        from torchkeras.porting.tf.data._sources import Concatenate
        return Concatenate(self, dataset)

    def apply(self, transformation_func):
        return transformation_func(self)

    def with_options(self, options, name=None):
        return self

    def options(self):
        from torchkeras.porting.tf.data.experimental import Options
        return Options()

    # -- consumption ----------------------------------------------------------------------------
    def __iter__(self):
        return DatasetIterator(self._elements())

    def as_numpy_iterator(self):
        return (to_numpy(e) for e in self._elements())

    def reduce(self, initial_state, reduce_func, name=None):
        state = initial_state
        for e in self._elements():
            state = reduce_func(state, e)
        return state

    def get_single_element(self, name=None):
        it = self._elements()
        try:
            first = next(it)
        except StopIteration:
            from torchkeras.porting.tf._core import InvalidArgumentError
            raise InvalidArgumentError("Dataset was empty.") from None
        return first

    def cardinality(self):
        return torch.tensor(self._cardinality(), dtype=torch.int64)

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True

    @property
    def element_spec(self):
        return self._spec()

    def _spec(self):
        for element in self._elements():
            return spec_of(element)
        raise ValueError("The element_spec of an empty dataset with no static structure is unknown here.")

    def _index_stream(self):
        """(TensorSlices source, iterator of 1-D index arrays) when this node only reorders rows."""
        return None

    def _elements(self):
        raise NotImplementedError

    def _python_work(self):
        """Whether producing elements runs user Python (worth a prefetch thread)."""
        return False

    def _deterministic(self):
        """Whether every pass yields the same elements in the same order."""
        return True

    def _cardinality(self):
        return UNKNOWN

    def __repr__(self):
        return f"<{type(self).__name__}Dataset element_spec={self.element_spec}>"


class DatasetIterator:
    """`iter(dataset)`: Python iteration plus TF's `get_next()`."""

    def __init__(self, gen):
        self._gen = gen

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._gen)

    def get_next(self):
        from torchkeras.porting.tf._core import OutOfRangeError
        try:
            return next(self._gen)
        except StopIteration:
            raise OutOfRangeError("End of sequence") from None
