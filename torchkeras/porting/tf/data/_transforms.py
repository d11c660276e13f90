"""Element-wise dataset transformations: map, filter, shuffle, repeat, take, skip, shard, cache,
prefetch and interleave. Reordering nodes also stream index arrays (see `Dataset._index_stream`)."""

import collections
import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from torchkeras.porting.tf._core import InvalidArgumentError
from torchkeras.porting.tf.data._base import Dataset
from torchkeras.porting.tf.data._structure import AUTOTUNE, INFINITE, UNKNOWN, normalize_output


class _Unary(Dataset):
    """A node with one input; cardinality, spec and index streams pass through unless overridden."""

    def __init__(self, input_dataset):
        if not isinstance(input_dataset, Dataset):
            raise TypeError(f"Expected a tf.data.Dataset; received {input_dataset!r}.")
        self.input = input_dataset

    def _cardinality(self):
        return self.input._cardinality()

    def _spec(self):
        return self.input._spec()

    def _python_work(self):
        return self.input._python_work()

    def _deterministic(self):
        return self.input._deterministic()


def _call(fn, element):
    # tf.data passes a plain tuple element as positional arguments (not namedtuples or dicts).
    return fn(*element) if type(element) is tuple else fn(element)


def _workers(n):
    return os.cpu_count() or 1 if n is None or n == AUTOTUNE else max(int(n), 1)


class Map(_Unary):
    def __init__(self, input_dataset, fn, num_parallel_calls):
        super().__init__(input_dataset)
        self.fn, self.parallel = fn, num_parallel_calls

    def _apply(self, element):
        # Data pipelines record no gradients (grad mode is restored before the generator yields).
        previous = torch.is_grad_enabled()
        torch.set_grad_enabled(False)
        try:
            return normalize_output(_call(self.fn, element))
        finally:
            torch.set_grad_enabled(previous)

    def _elements(self):
        if self.parallel is None or _workers(self.parallel) == 1:
            for e in self.input._elements():
                yield self._apply(e)
            return
        n = _workers(self.parallel)
        # Threads pay off when the function releases the GIL (torch kernels, file reads, decoding);
        # results keep the input order, as TF's deterministic map.
        with ThreadPoolExecutor(n) as pool:
            pending = collections.deque()
            for e in self.input._elements():
                pending.append(pool.submit(self._apply, e))
                if len(pending) >= 2 * n:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def _spec(self):
        return Dataset._spec(self)

    def _python_work(self):
        return True


class Filter(_Unary):
    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self.predicate = predicate

    def _elements(self):
        for e in self.input._elements():
            with torch.no_grad():
                keep = _call(self.predicate, e)
            if isinstance(keep, torch.Tensor) and keep.dtype != torch.bool:
                raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, but its "
                                 f"return type was {keep.dtype}.")
            if bool(keep):
                yield e

    def _cardinality(self):
        n = self.input._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN

    def _python_work(self):
        return True


def _buffer_shuffle(items, buffer_size, rng, chunk=4096):
    """TF's shuffle buffer over a stream of item lists: fill `buffer_size` items, then emit a random
    buffered item and put the next input in its place; at the end emit the rest in random order."""
    buf, out = [], []
    draws, k = rng.random(chunk), 0
    for block in items:
        for item in block:
            if len(buf) < buffer_size:
                buf.append(item)
                continue
            if k == chunk:
                draws, k = rng.random(chunk), 0
            j = int(draws[k] * len(buf))
            k += 1
            out.append(buf[j])
            buf[j] = item
            if len(out) >= chunk:
                yield out
                out = []
    order = rng.permutation(len(buf))
    out.extend(buf[i] for i in order)
    if out:
        yield out


class Shuffle(_Unary):
    def __init__(self, input_dataset, buffer_size, seed, reshuffle_each_iteration):
        super().__init__(input_dataset)
        self.buffer_size = int(buffer_size)
        if self.buffer_size == AUTOTUNE:
            self.buffer_size = 1 << 20
        if self.buffer_size <= 0:
            raise InvalidArgumentError("buffer_size must be greater than zero.")
        # Without a seed, draw one from torch's generator so tf.random.set_seed makes runs repeatable.
        self.seed = int(seed) if seed is not None else int(torch.randint(0, 2 ** 62, (1,)))
        self.reshuffle = bool(reshuffle_each_iteration)
        self._epoch = 0

    def _rng(self):
        if not self.reshuffle:
            return np.random.default_rng(self.seed)
        self._epoch += 1
        return np.random.default_rng((self.seed, self._epoch))

    def _elements(self):
        rng = self._rng()
        for chunk in _buffer_shuffle(([e] for e in self.input._elements()), self.buffer_size, rng):
            yield from chunk

    def _index_stream(self):
        inner = self.input._index_stream()
        if inner is None:
            return None
        source, blocks = inner
        return source, self._shuffle_blocks(blocks, self._rng())

    def _shuffle_blocks(self, blocks, rng):
        first = next(blocks, None)
        if first is None:
            return
        second = next(blocks, None)
        if second is None and self.buffer_size >= len(first):
            yield first[torch.from_numpy(rng.permutation(len(first)))]
            return
        rest = itertools.chain([first] + ([second] if second is not None else []), blocks)
        for out in _buffer_shuffle((b.tolist() for b in rest), self.buffer_size, rng):
            yield torch.tensor(out, dtype=torch.int64)

    def _deterministic(self):
        return False


class Repeat(_Unary):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self.count = -1 if count is None else int(count)

    def _passes(self):
        return itertools.count() if self.count < 0 else range(self.count)

    def _elements(self):
        for _ in self._passes():
            empty = True
            for e in self.input._elements():
                empty = False
                yield e
            if empty:
                return

    def _index_stream(self):
        inner = self.input._index_stream()
        if inner is None:
            return None
        source, first = inner

        def blocks():
            current = first
            for _ in self._passes():
                n = 0
                for b in current:
                    n += len(b)
                    yield b
                if n == 0:
                    return
                current = self.input._index_stream()[1]
        return source, blocks()

    def _cardinality(self):
        n = self.input._cardinality()
        if self.count < 0:
            return 0 if n == 0 else INFINITE
        if self.count == 0:
            return 0
        return n if n < 0 else n * self.count


def _trim(blocks, start, stop):
    """Items [start, stop) of a stream of index blocks (stop None: to the end)."""
    pos = 0
    for b in blocks:
        lo, hi = max(start - pos, 0), len(b) if stop is None else min(stop - pos, len(b))
        if lo < hi:
            yield b[lo:hi]
        pos += len(b)
        if stop is not None and pos >= stop:
            return


class Take(_Unary):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self.count = int(count)

    def _elements(self):
        it = self.input._elements()
        return it if self.count < 0 else itertools.islice(it, self.count)

    def _index_stream(self):
        inner = self.input._index_stream()
        if inner is None or self.count < 0:
            return inner
        return inner[0], _trim(inner[1], 0, self.count)

    def _cardinality(self):
        n = self.input._cardinality()
        if self.count < 0 or n == UNKNOWN:
            return n
        return self.count if n == INFINITE else min(n, self.count)


class Skip(_Unary):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self.count = int(count)

    def _elements(self):
        it = self.input._elements()
        if self.count < 0:
            for _ in it:
                pass
            return iter(())
        return itertools.islice(it, self.count, None)

    def _index_stream(self):
        inner = self.input._index_stream()
        if inner is None:
            return None
        return inner[0], _trim(inner[1], self.count if self.count >= 0 else 1 << 62, None)

    def _cardinality(self):
        n = self.input._cardinality()
        if n < 0:
            return n
        return 0 if self.count < 0 else max(n - self.count, 0)


class Shard(_Unary):
    def __init__(self, input_dataset, num_shards, index):
        super().__init__(input_dataset)
        self.num, self.index = int(num_shards), int(index)
        if not 0 <= self.index < self.num:
            raise InvalidArgumentError(f"Index must be between 0 and {self.num - 1} (currently index = {self.index}).")

    def _elements(self):
        return itertools.islice(self.input._elements(), self.index, None, self.num)

    def _cardinality(self):
        n = self.input._cardinality()
        return n if n < 0 else n // self.num + (self.index < n % self.num)
