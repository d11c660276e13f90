"""keras.utils.PyDataset (and Keras 2's keras.utils.Sequence, which Keras 3 made an alias of it).

A PyDataset is a map-style source of whole batches: `ds[i]` is batch i, `len(ds)` the number of batches
per epoch. fit/evaluate/predict read it in order (or in shuffled batch order for fit), calling
`on_epoch_end()` after every pass. torchkeras reads batches in the training process, so `workers`,
`use_multiprocessing` and `max_queue_size` are accepted and kept (for get_config-style code that reads
them) but change nothing.
"""


class PyDataset:
    """Base class for batch datasets: subclass it and implement `__getitem__` and `__len__`.

    Example:

        class Batches(keras.utils.PyDataset):
            def __init__(self, x, y, batch_size, **kwargs):
                super().__init__(**kwargs)
                self.x, self.y, self.batch_size = x, y, batch_size

            def __len__(self):
                return math.ceil(len(self.x) / self.batch_size)

            def __getitem__(self, idx):
                s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
                return self.x[s], self.y[s]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        for name, value in (("workers", workers), ("max_queue_size", max_queue_size)):
            # Keras accepts 0 for both (no worker processes / no queue); batches are read in-process here anyway.
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"PyDataset `{name}` must be a non-negative integer; received {name}={value!r}.")
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    # Subclasses written for Keras 2's Sequence often never call super().__init__(): defaults then.
    @property
    def workers(self):
        return self.__dict__.get("_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return self.__dict__.get("_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return self.__dict__.get("_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement `__getitem__(self, index)`, returning "
                                  "batch number `index` as `x`, `(x, y)` or `(x, y, sample_weight)`.")

    def __len__(self):
        if type(self).num_batches is not PyDataset.num_batches:
            n = self.num_batches
            if n is None:
                raise TypeError(f"{type(self).__name__} is infinite (num_batches is None): it has no length.")
            return int(n)
        raise NotImplementedError(f"{type(self).__name__} must implement `__len__(self)` (or the `num_batches` "
                                  "property): the number of batches in one epoch.")

    @property
    def num_batches(self):
        """Batches per epoch: `len(self)` unless a subclass overrides this property."""
        return len(self)

    def on_epoch_begin(self):
        """Called before each epoch (override to prepare data)."""

    def on_epoch_end(self):
        """Called after each epoch (override to shuffle, for instance)."""

    def __iter__(self):
        # Keras 2's Sequence could be iterated like a list of batches.
        for i in range(len(self)):
            yield self[i]


Sequence = PyDataset
