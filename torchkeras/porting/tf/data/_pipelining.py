"""Dataset nodes that change when or how often upstream work runs: cache, prefetch (a background
thread) and interleave."""

import atexit
import queue
import threading

from torchkeras.porting.tf.data._base import Dataset
from torchkeras.porting.tf.data._structure import AUTOTUNE, INFINITE, UNKNOWN
from torchkeras.porting.tf.data._transforms import _call, _Unary, _workers


class Cache(_Unary):
    def __init__(self, input_dataset):
        super().__init__(input_dataset)
        self._cached = None

    def _elements(self):
        if self._cached is not None:
            yield from self._cached
            return
        store = []
        for e in self.input._elements():
            store.append(e)
            yield e
        self._cached = store

    def _index_stream(self):
        # Rows of a deterministic index stream are the same every pass: nothing to remember.
        return self.input._index_stream() if self.input._deterministic() else None

    def _python_work(self):
        return self._cached is None and self.input._python_work()


_END = object()


class Prefetch(_Unary):
    """Runs the upstream pipeline in a background thread when it does Python work (map, generators,
    filters), so that it overlaps the training step; index-gathered batches need no thread."""

    def __init__(self, input_dataset, buffer_size):
        super().__init__(input_dataset)
        self.buffer_size = int(buffer_size)

    def _index_stream(self):
        return self.input._index_stream()

    def _elements(self):
        if self.buffer_size == 0 or not self.input._python_work():
            yield from self.input._elements()
            return
        q = queue.Queue(maxsize=2 if self.buffer_size == AUTOTUNE else max(self.buffer_size, 1))
        stop = threading.Event()
        upstream = self.input._elements()

        def work():
            try:
                for e in upstream:
                    while not stop.is_set():
                        try:
                            q.put((e, None), timeout=0.05)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                q.put((_END, None))
            except BaseException as exc:  # re-raised in the consumer's thread
                q.put((_END, exc))

        thread = threading.Thread(target=work, daemon=True, name="tf.data-prefetch")
        _LIVE.add((stop, thread))
        thread.start()
        try:
            while True:
                item, exc = q.get()
                if exc is not None:
                    raise exc
                if item is _END:
                    return
                yield item
        finally:
            stop.set()
            _LIVE.discard((stop, thread))


# A prefetch left half-consumed keeps its thread running; at interpreter exit a daemon thread stopped in the
# middle of a torch kernel aborts the process ("terminate called without an active exception"), so every
# live prefetch is told to stop and given a moment to leave before Python tears down.
_LIVE = set()


def _stop_prefetchers():
    for stop, _ in list(_LIVE):
        stop.set()
    for _, thread in list(_LIVE):
        thread.join(timeout=2.0)


atexit.register(_stop_prefetchers)


class Interleave(_Unary):
    def __init__(self, input_dataset, fn, cycle_length, block_length):
        super().__init__(input_dataset)
        self.fn, self.block = fn, int(block_length)
        self.cycle = _workers(cycle_length)

    def _open(self, element):
        ds = _call(self.fn, element)
        if not isinstance(ds, Dataset):
            raise TypeError(f"The `map_func` argument must return a `Dataset` object; received {type(ds).__name__}.")
        return ds._elements()

    def _elements(self):
        # TF's cycle: visit slots in turn, `block` elements each; an exhausted slot is refilled
        # from the input the next time the cycle reaches it.
        inputs, end_of_input = self.input._elements(), False
        slots, idx, taken, num_open = [None] * self.cycle, 0, 0, 0
        while not end_of_input or num_open:
            if slots[idx] is not None:
                e = next(slots[idx], _END)
                if e is _END:
                    slots[idx], num_open, idx, taken = None, num_open - 1, (idx + 1) % self.cycle, 0
                    continue
                taken += 1
                if taken == self.block:
                    idx, taken = (idx + 1) % self.cycle, 0
                yield e
            elif not end_of_input:
                nxt = next(inputs, _END)
                if nxt is _END:
                    end_of_input = True
                else:
                    slots[idx], num_open = self._open(nxt), num_open + 1
            else:
                idx, taken = (idx + 1) % self.cycle, 0

    def _cardinality(self):
        return INFINITE if self.input._cardinality() == INFINITE else UNKNOWN

    def _spec(self):
        return Dataset._spec(self)

    def _python_work(self):
        return True
