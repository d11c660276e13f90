"""EpochIterator: yields (step, (x, y, sample_weight)) batches on the model's device."""

import inspect
import math

import numpy as np
import torch

from torchkeras import config

from . import data_adapter as da
from .tree import map_structure


class _ArraySource:
    def __init__(self, x, y, sw, batch_size, shuffle, device):
        self.arrays = (x, y, sw)
        self.n = da.num_samples(x)
        self.batch_size = batch_size
        self.shuffle = shuffle
        on_cpu = device is None or torch.device(device).type == "cpu"
        if not on_cpu and sum(da.nbytes(t) for t in da.flatten(self.arrays)) <= da._DEVICE_CACHE_BYTES:
            self.arrays = da.to_device(self.arrays, device)
            self.device = None  # already there
        else:
            self.device = device
        if self.device is not None and all(
                isinstance(t, torch.Tensor) and t.device == torch.device(self.device)
                for t in da.flatten(self.arrays)):
            self.device = None  # already there: no per-batch `.to`
        # Plain (x, y, sample_weight) tensors take the short per-batch path in `_take`.
        self._plain = all(a is None or isinstance(a, torch.Tensor) for a in self.arrays)
        self.num_batches = int(math.ceil(self.n / batch_size))

    def __iter__(self):
        bs, n = self.batch_size, self.n
        storage = da.storage_device(self.arrays)  # text arrays stay numpy (data_adapter.to_torch)
        if self.shuffle == "batch":
            order = torch.randperm(self.num_batches).tolist()
            for b in order:
                idx = torch.arange(b * bs, min((b + 1) * bs, n), device=storage)
                idx = idx[torch.randperm(idx.numel(), device=storage)]
                yield self._take(idx)
        elif self.shuffle:
            perm = torch.randperm(n, device=storage)
            for b in range(self.num_batches):
                yield self._take(perm[b * bs:(b + 1) * bs])
        else:
            for b in range(self.num_batches):
                sl = slice(b * bs, (b + 1) * bs)
                yield da.to_device(map_structure(lambda t: t[sl], self.arrays), self.device)

    def _take(self, idx):
        if self._plain and self.device is None:
            x, y, sw = self.arrays
            return x[idx], None if y is None else y[idx], None if sw is None else sw[idx]
        return da.to_device(map_structure(lambda t: da.take(t, idx), self.arrays), self.device)


class _PyDatasetSource:
    """Keras PyDataset / Sequence: item i is batch i; `on_epoch_end` after each pass."""

    def __init__(self, ds, shuffle, device):
        self.ds, self.shuffle, self.device = ds, shuffle, device
        self.num_batches = len(ds)

    def __iter__(self):
        order = np.random.permutation(self.num_batches) if self.shuffle else range(self.num_batches)
        for i in order:
            yield da.to_device(_as_batch(self.ds[int(i)]), self.device)
        if hasattr(self.ds, "on_epoch_end"):
            self.ds.on_epoch_end()


class _IterableSource:
    """DataLoaders (fresh iterator each epoch) and one-shot generators (consumed once)."""

    def __init__(self, it, device):
        self.it, self.device = it, device
        self.one_shot = _is_stream(it)
        if self.one_shot:
            self.it = iter(it)
        try:
            self.num_batches = None if self.one_shot else len(it)
        except TypeError:
            self.num_batches = None

    def __iter__(self):
        source = self.it if self.one_shot else iter(self.it)
        for batch in source:
            yield da.to_device(_as_batch(batch), self.device)


def _as_batch(data):
    x, y, sw = da.unpack_x_y_sample_weight(data)
    return da.to_torch_structure(x), da.to_torch_structure(y), da.to_torch_structure(sw)


class EpochIterator:
    """Batches for each epoch, honouring steps_per_epoch (a persistent stream, as Keras)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 shuffle=False, class_weight=None, device=None, allow_y=True):
        self.steps_per_epoch = steps_per_epoch
        self.class_weighter = None
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            self.class_weighter = da.ClassWeighter(class_weight)
        if da.is_tf_dataset(x):
            self._reject_y(x, y, sample_weight, batch_size)
            self.source = _IterableSource(da.TFDatasetIterable(x), device)
        elif isinstance(x, torch.utils.data.DataLoader):
            self._reject_y(x, y, sample_weight, batch_size)
            self.source = _IterableSource(x, device)
        elif isinstance(x, torch.utils.data.Dataset):
            self._reject_y(x, y, sample_weight, None)
            loader = torch.utils.data.DataLoader(x, batch_size=batch_size or 32, shuffle=bool(shuffle))
            self.source = _IterableSource(loader, device)
        elif _is_py_dataset(x) and not inspect.isgenerator(x):
            # before the stream check, as Keras: a Keras-2 iterator (ImageDataGenerator.flow) is a PyDataset
            # that also has `__next__`, and read as a stream it would never end an epoch
            self._reject_y(x, y, sample_weight, batch_size)
            self.source = _PyDatasetSource(x, shuffle, device)
        elif _is_stream(x):
            self._reject_y(x, y, sample_weight, batch_size)
            self.source = _IterableSource(x, device)
        elif da.is_array_structure(x):
            x, y, sample_weight = (da.to_torch_structure(a) for a in (x, y, sample_weight))
            if x is None:
                raise ValueError("Expected input data `x`; received x=None.")
            da.check_cardinality(x, y, sample_weight)
            if self.class_weighter is not None and y is not None:
                self.class_weighter.check(y)
            if not batch_size:  # Keras treats batch_size=0 as unset (32), as it does None
                batch_size = int(math.ceil(da.num_samples(x) / steps_per_epoch)) if steps_per_epoch else 32
            self.source = _ArraySource(x, y, sample_weight, batch_size, shuffle, device)
        else:
            raise ValueError(f"Unrecognized data type: x={x!r} (of type {type(x).__name__}). "
                             "Expected numpy arrays, torch tensors, lists/dicts of them, a Python "
                             "generator, a torch DataLoader/Dataset or a keras PyDataset.")
        self.num_batches = self.source.num_batches
        self._stream, self._seen = None, 0
        self.exhausted = False

    @staticmethod
    def _reject_y(x, y, sample_weight, batch_size):
        kind = type(x).__name__
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                raise ValueError(f"When providing `x` as a {kind}, `{name}` should not be passed. "
                                 f"Instead, the {name} should be included as part of the {kind}.")

    @property
    def steps(self):
        steps = self.steps_per_epoch or self.num_batches
        cap = config.max_steps_per_epoch()
        return min(steps, cap) if cap and steps else (steps or cap)

    def _weigh(self, batch):
        """Apply class_weight, then pack as Keras hands data to train_step: x (a tuple or list x as (x,)),
        (x, y) or (x, y, sample_weight)."""
        x, y, sw = batch
        if self.class_weighter is not None and y is not None and sw is None:
            if isinstance(y, (list, tuple, dict)):
                raise ValueError("`class_weight` is only supported for Models with a single output.")
            sw = self.class_weighter(y)
        if sw is not None:
            return x, y, sw
        if y is not None:
            return x, y
        # Keras's pack_x_y_sample_weight: a custom train_step(data) given fit(x) receives x itself
        return (x,) if isinstance(x, (tuple, list)) else x

    def __iter__(self):
        """One epoch of (step, batch).

        With steps_per_epoch, Keras's rule: the batches form one stream across epochs; an epoch
        that reaches the end of the data stops there (with a warning) and the next epoch starts
        a fresh pass. A one-shot generator that runs out ends the training after that epoch."""
        cap = config.max_steps_per_epoch()  # keras.config.set_max_steps_per_epoch
        if not self.steps_per_epoch:
            for step, batch in enumerate(self.source):
                if cap and step >= cap:
                    break
                yield step, self._weigh(batch)
            return
        if self._stream is None:
            self._stream, self._seen = iter(self.source), 0
        for step in range(min(self.steps_per_epoch, cap) if cap else self.steps_per_epoch):
            if self.num_batches and self._seen >= self.num_batches:
                da.warn_out_of_data()
                break
            try:
                batch = next(self._stream)
            except StopIteration:
                if self.num_batches is None:
                    self.num_batches = self._seen  # learnt on the first pass, as Keras does
                self._stream = None
                if getattr(self.source, "one_shot", False) or self._seen == 0:
                    self.exhausted = True
                da.warn_out_of_data()
                return
            self._seen += 1
            yield step, self._weigh(batch)
        if self.num_batches and self._seen >= self.num_batches:
            self._stream = None


def _is_stream(x):
    return inspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


def _is_py_dataset(x):
    return (hasattr(x, "__getitem__") and hasattr(x, "__len__") and not da.is_array(x)
            and not isinstance(x, (list, tuple, dict, str)))
