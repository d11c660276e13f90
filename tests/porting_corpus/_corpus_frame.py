"""The few pandas DataFrame operations the structured-data scripts use, over numpy columns (pandas is
not installed), so their own dataframe lines run unchanged: len, shape, head, copy, pop, [name],
dict(df), sample(frac, random_state), drop(index), and Series.unique / .dtype."""

import numpy as np


class Column(np.ndarray):
    """A numpy column with Series.unique() (first-appearance order, as pandas)."""

    def unique(self):
        arr = np.asarray(self)
        _, first = np.unique(arr, return_index=True)
        return arr[np.sort(first)]


class DataFrame:
    def __init__(self, columns, index=None):
        self._cols = {k: np.asarray(v) for k, v in columns.items()}
        n = len(next(iter(self._cols.values())))
        self.index = np.arange(n) if index is None else np.asarray(index)

    def __len__(self):
        return len(self.index)

    @property
    def shape(self):
        return (len(self), len(self._cols))

    def keys(self):
        return self._cols.keys()

    def __getitem__(self, name):
        return self._cols[name].view(Column)

    def __iter__(self):
        return iter(self._cols)

    def head(self, n=5):
        return DataFrame({k: v[:n] for k, v in self._cols.items()}, self.index[:n])

    def copy(self):
        return DataFrame(dict(self._cols), self.index.copy())

    def pop(self, name):
        return self._cols.pop(name).view(Column)

    def sample(self, frac, random_state=None):
        rows = np.random.RandomState(random_state).permutation(len(self))[: int(round(frac * len(self)))]
        return DataFrame({k: v[rows] for k, v in self._cols.items()}, self.index[rows])

    def drop(self, index):
        keep = ~np.isin(self.index, np.asarray(index))
        return DataFrame({k: v[keep] for k, v in self._cols.items()}, self.index[keep])
