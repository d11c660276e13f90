"""Turn what users pass to fit/evaluate/predict into batches of torch tensors on the model's device.

Accepted: numpy arrays / torch tensors / anything with `__array__` (pandas), and lists, tuples or
dicts of them; Python generators or iterators yielding `(x, y[, sample_weight])`; a torch
`DataLoader` or (map-style) `Dataset`; a Keras-style `PyDataset`/`Sequence` (`__len__` and
`__getitem__` returning whole batches); a `tf.data.Dataset` (the porting runner's emulation, or real
TensorFlow's, iterated as numpy without importing TensorFlow).
"""

import math
import warnings

import numpy as np
import torch

from .tree import first_leaf, flatten, map_structure

# Whole array datasets up to this size are copied to an accelerator once, so that an epoch is
# index gathers on the device rather than one host-to-device copy per batch.
_DEVICE_CACHE_BYTES = 1 << 30


def is_array(x):
    return isinstance(x, (np.ndarray, torch.Tensor)) or (
        hasattr(x, "__array__") and hasattr(x, "shape") and not isinstance(x, torch.utils.data.Dataset))


def is_array_structure(x, _top=True):
    if x is None:
        return True
    if isinstance(x, dict):
        return all(is_array_structure(v, False) for v in x.values())
    if isinstance(x, (list, tuple)):
        if _top and x and all(isinstance(v, (int, float, bool, np.number)) for v in x):
            return True  # a plain Python list of numbers is one array
        # Keras refuses nested Python lists (`x.tolist()`) with "Unrecognized data type": a list
        # inside a structure holds arrays, one per model input, never numbers.
        return all(isinstance(v, (list, tuple, dict)) and is_array_structure(v, False) or is_array(v)
                   or v is None for v in x)
    return is_array(x) or _top and isinstance(x, (int, float, np.number))


def is_string_array(a):
    """A numpy array of text: str/bytes dtypes, or object arrays whose first element is text (as
    `np.array(list_of_str, dtype=object)` or pandas' string columns give)."""
    if not isinstance(a, np.ndarray):
        return False
    kind = a.dtype.kind
    if kind in "US":
        return True
    return kind == "O" and a.size > 0 and isinstance(a.flat[0], (str, bytes))


def to_torch(a):
    """One array-like as a torch tensor (float64 -> float32, as Keras casts to floatx).

    Text arrays stay numpy: torch has no string dtype, and the model's string preprocessing layer
    (StringLookup, TextVectorization, Hashing) takes them as they are."""
    if a is None:
        return None
    if isinstance(a, torch.Tensor):
        t = a
    else:
        arr = np.asarray(a)
        if arr.dtype.kind in "USO" and is_string_array(arr):
            return arr
        if arr.dtype == object:
            raise TypeError(f"Expected numeric arrays for the model's data; received an array of "
                            f"Python objects with shape {arr.shape}. Convert it with "
                            "np.asarray(..., dtype='float32') first.")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.dtype == torch.float64:
        t = t.to(torch.float32)
    return t


def to_torch_structure(x):
    if isinstance(x, (list, tuple)) and x and all(
            isinstance(v, (int, float, bool, np.number)) for v in x):
        return to_torch(np.asarray(x))
    return map_structure(to_torch, x)


def take(a, idx):
    """Rows `idx` (a torch index tensor) of a batch leaf: torch tensors index directly, text arrays
    (kept as numpy by `to_torch`) with the index as numpy."""
    if isinstance(a, np.ndarray):
        return a[idx.cpu().numpy()]
    return a[idx]


def nbytes(a):
    return a.numel() * a.element_size() if isinstance(a, torch.Tensor) else int(np.asarray(a).nbytes)


def storage_device(x):
    """Where index tensors for a structure's rows should live: its first torch leaf's device."""
    for t in flatten(x):
        if isinstance(t, torch.Tensor):
            return t.device
    return torch.device("cpu")


def to_device(x, device):
    if device is None:
        return x
    return map_structure(lambda t: t.to(device, non_blocking=True)
                         if isinstance(t, torch.Tensor) else t, x)


def unpack_x_y_sample_weight(data):
    """Keras's rule: a tuple (or list) of 1-3 items is (x, y, sample_weight); anything else is x."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found a tuple of {len(data)} elements.")


def num_samples(x):
    leaf = first_leaf(x)
    return None if leaf is None else int(leaf.shape[0])


def check_cardinality(x, y, sample_weight):
    sizes = {name: [int(t.shape[0]) for t in flatten(v)]
             for name, v in (("x", x), ("y", y), ("sample_weight", sample_weight))}
    all_sizes = {s for v in sizes.values() for s in v}
    if len(all_sizes) > 1:
        msg = "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples."
        for name, s in sizes.items():
            if s:
                msg += f"\n'{name}' sizes: {', '.join(map(str, s))}"
        raise ValueError(msg)
    if all_sizes == {0}:
        raise ValueError("Expected input data to be non-empty. Received arrays with 0 samples: "
                         "pass at least one sample.")


def train_validation_split(arrays, validation_split):
    """Split (x, y, sw) into the first and the LAST `validation_split` fraction, unshuffled."""
    n = num_samples(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            "Either provide more data, or a different value for the `validation_split` argument.")
    head = tuple(map_structure(lambda t: t[:split_at], a) for a in arrays)
    tail = tuple(map_structure(lambda t: t[split_at:], a) for a in arrays)
    return head, tail


class ClassWeighter:
    """class_weight dict -> per-sample weights, computed on the device (no host sync)."""

    def __init__(self, class_weight):
        if not isinstance(class_weight, dict) or not class_weight:
            raise ValueError("Expected `class_weight` to be a non-empty dict mapping class "
                             f"indices to weights. Received: class_weight={class_weight!r}")
        for k in class_weight:
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
                raise ValueError("`class_weight` keys must be class indices (integers >= 0). "
                                 f"Received key {k!r} in class_weight={class_weight!r}")
        size = int(max(class_weight)) + 1
        table = torch.ones(size, dtype=torch.float32)
        for k, w in class_weight.items():
            table[int(k)] = float(w)
        self.class_weight = class_weight
        self.table = table

    def check(self, y):
        """Refuse classes the labels cannot hold (checked once, on whole arrays)."""
        if isinstance(y, (list, tuple, dict)):
            raise ValueError("`class_weight` is only supported for Models with a single output.")
        y = to_torch(y)
        if y.dim() > 1 and y.shape[-1] > 1:
            n_classes, what = int(y.shape[-1]), "one-hot labels with"
        else:
            n_classes = max(int(torch.round(y.max()).item()) + 1, 2) if y.numel() else 2
            what = "labels holding"
        extra = sorted(int(k) for k in self.class_weight if int(k) >= n_classes)
        if extra:
            raise ValueError(
                f"`class_weight` names class(es) {extra} that do not exist in the data: y has "
                f"{what} {n_classes} classes (0 to {n_classes - 1}). Received: "
                f"class_weight={self.class_weight}")

    def __call__(self, y):
        if y.dim() > 1 and y.shape[-1] > 1:
            idx = torch.argmax(y, dim=-1)
        else:
            idx = torch.round(y.reshape(y.shape[0], -1)[:, 0].float()).long()
        table = self.table.to(y.device)
        known = (idx >= 0) & (idx < table.shape[0])
        return torch.where(known, table[idx.clamp(0, table.shape[0] - 1)],
                           torch.ones((), device=y.device))


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights for labels `y` (class indices or one-hot) as `fit(class_weight=...)`
    weighs them; classes `class_weight` does not name weigh 1."""
    y = to_torch(y)
    if not class_weight:
        return torch.ones(y.shape[0], dtype=torch.float32, device=y.device)
    return ClassWeighter(class_weight)(y)


def warn_out_of_data():
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                  "dataset or generator can generate at least `steps_per_epoch * epochs` "
                  "batches.", stacklevel=3)


def is_tf_dataset(x):
    """A tf.data.Dataset, recognised by its type's module: the porting runner's emulation or real
    TensorFlow's (which a user may pass when TensorFlow is installed; torchkeras never imports it)."""
    module = type(x).__module__
    return module.startswith("torchkeras.porting.tf.data") or (
        module.startswith("tensorflow.") and hasattr(x, "as_numpy_iterator") and hasattr(x, "cardinality"))


class TFDatasetIterable:
    """A tf.data.Dataset as a re-iterable source of batches (a fresh pass per epoch); `len` is its
    cardinality, a TypeError when infinite or unknown (as `len(dataset)` in TensorFlow)."""

    def __init__(self, dataset):
        self.dataset = dataset
        self._emulated = type(dataset).__module__.startswith("torchkeras.")

    def __iter__(self):
        return iter(self.dataset) if self._emulated else iter(self.dataset.as_numpy_iterator())

    def __len__(self):
        n = int(self.dataset.cardinality())
        if n < 0:
            raise TypeError("The dataset is infinite." if n == -1 else "The dataset length is unknown.")
        return n
