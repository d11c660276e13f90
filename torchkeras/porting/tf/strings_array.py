"""String tensors: torch has none, so TF string values are numpy object arrays of `bytes` (what TF's
`.numpy()` returns), in a small ndarray subclass that adds TF's tensor methods."""

import functools

import numpy as np


def _to_bytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, np.bytes_):
        return bytes(v)
    if isinstance(v, np.str_):
        return str(v).encode("utf-8")
    raise TypeError(f"Expected a string (str or bytes); received {v!r} of type {type(v).__name__}.")


class StringTensor(np.ndarray):
    """A tf.string tensor: an object array of bytes with `.numpy()`, `.dtype`-as-tf.string semantics
    through `tf.as_dtype` and `shape.as_list()`-free shapes (numpy tuples)."""

    @classmethod
    def of(cls, value):
        if isinstance(value, StringTensor):
            return value
        arr = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
        if arr.dtype.kind not in "SUO":
            raise TypeError(f"Expected strings; received an array of dtype {arr.dtype}.")
        out = np.empty(arr.shape, dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(arr.reshape(-1).tolist() if arr.dtype.kind in "SU" else arr.reshape(-1)):
            flat[i] = _to_bytes(v)
        return out.view(cls)

    @property
    def dtype(self):
        # TF code asks `x.dtype == "string"` / `x.dtype == tf.string`; numpy's own code reading
        # `.dtype` gets an object that still answers as dtype('O') (see _StringDType).
        return _string_dtype()

    def dim(self):
        # torch's spelling of ndim: shape ops shared with numeric tensors ask for it
        return self.ndim

    def numpy(self):
        a = np.asarray(self).view(np.ndarray)
        return a.item() if a.ndim == 0 else a.copy()

    def __reduce__(self):
        return StringTensor.of, (np.asarray(self).view(np.ndarray),)

    def __repr__(self):
        return f"<tf.Tensor: shape={self.shape}, dtype=string, numpy={self.numpy()!r}>"

    def __str__(self):
        return str(self.numpy())

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, idx):
        out = np.ndarray.__getitem__(self.view(np.ndarray), idx)
        if isinstance(out, np.ndarray):
            return out.view(StringTensor)
        a = np.empty((), dtype=object)
        a[()] = out
        return a.view(StringTensor)


def is_string(x):
    """True for values TF would make a tf.string tensor of."""
    if isinstance(x, StringTensor):
        return True
    if isinstance(x, (str, bytes, np.str_, np.bytes_)):
        return True
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "SU" or (x.dtype == object and x.size > 0
                                        and isinstance(x.reshape(-1)[0], (str, bytes)))
    if isinstance(x, (list, tuple)) and x:
        first = x[0]
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        return isinstance(first, (str, bytes))
    return False


@functools.lru_cache(maxsize=None)
def _string_dtype():
    # _core imports this module, so DType is imported on first use
    from torchkeras.porting.tf._core import DType

    class _StringDType(DType):
        """tf.string for a StringTensor's `.dtype`: equal to "string", tf.string, object and dtype('O');
        any other attribute (kind, char, itemsize, ...) and numpy's `np.dtype(x)` come from dtype('O')."""

        dtype = np.dtype(object)

        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return getattr(np.dtype(object), name)

        def __hash__(self):
            return hash(self._name)

    return _StringDType("string", None, np.dtype(object))

