"""What the data-dependent preprocessing layers share.

torch has no string tensor, so string layers keep strings in numpy (object arrays of Python `str`)
and return torch tensors. `adapt()` accepts every kind of data Keras's does (arrays, tensors, lists,
`PyDataset`, generators, torch `DataLoader`s, the runner's `tf.data` datasets) through
`iter_batches`.
"""

import itertools

import numpy as np
import torch

from torchkeras.keras_tensor import KerasTensor, any_symbolic
from torchkeras.layers.preprocessing.data_layer import DataLayer as PipelineDataLayer


def extract_x(batch):
    """Keras's rule for adapt(): a tuple batch is (x, y[, sample_weight]); keep x."""
    return batch[0] if isinstance(batch, tuple) else batch


ARRAYS = (np.ndarray, torch.Tensor)
ARRAYS_AND_LISTS = (np.ndarray, torch.Tensor, list, tuple, str, bytes)


def iter_batches(data, steps=None, whole=ARRAYS):
    """The batches of `data` for adapt(); data of a `whole` type comes back as a single batch.

    Keras's layers differ here: the lookup layers take a list as one batch of values, Normalization
    and Discretization iterate over it as a list of batches.
    """
    if isinstance(data, whole) or isinstance(data, np.generic):
        return iter([data])
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and _is_py_dataset(data):
        source = (data[i] for i in range(len(data)))
    elif hasattr(data, "__iter__"):
        source = iter(data)
    else:
        raise TypeError(
            f"Unsupported data type: {type(data)}. `adapt` supports `np.ndarray`, backend tensors, "
            "`tf.data.Dataset`, `keras.utils.PyDataset`, and iterables of batches (e.g. list, "
            "generator).")
    if steps is not None:
        source = itertools.islice(source, int(steps))
    return (extract_x(b) for b in source)


def _is_py_dataset(data):
    from torchkeras.utils.py_dataset import PyDataset
    return isinstance(data, PyDataset)


def to_numpy(x):
    """A tensor, array, list or scalar as a numpy array (tensors leave their device)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    return np.asarray(x)


def to_strings(x, encoding="utf-8"):
    """Strings (str, bytes, lists of them, numpy U/S/O arrays) as an object array of Python str."""
    # np.asarray drops ndarray subclasses (the porting layer's string tensors iterate as 0-d tensors)
    arr = np.asarray(x) if isinstance(x, np.ndarray) else to_numpy(x) if not isinstance(x, (list, tuple, str, bytes)) \
        else np.asarray(x, dtype=object)
    if arr.dtype.kind == "U":
        return arr.astype(object)
    if arr.dtype.kind in "SO":
        out = np.empty(arr.shape, dtype=object)
        flat, src = out.reshape(-1), arr.reshape(-1)
        for i, v in enumerate(src):
            flat[i] = v.decode(encoding) if isinstance(v, (bytes, np.bytes_)) else str(v)
        return out
    return np.vectorize(str, otypes=[object])(arr) if arr.size else arr.astype(object)


def output_device(inputs, layer=None):
    """The device a host-side layer's output goes to: that of a tensor input, else the layer's
    (where `model.to(...)` or compile() placed it), else the CPU (None)."""
    for t in inputs if isinstance(inputs, (list, tuple)) else [inputs]:
        if isinstance(t, torch.Tensor):
            return t.device
    anchor = getattr(layer, "_device_anchor", None)
    if anchor is not None and anchor.device.type != "cpu":
        return anchor.device
    return None


class DataLayer(PipelineDataLayer):
    """A layer whose call runs on host data (strings, hash tables) and returns torch tensors
    (usable in `tf.data` pipelines, as Keras's DataLayer).

    forward() skips the numeric input conversion of `Layer`: numpy string arrays and Python lists
    reach `call` as they are (symbolic inputs still record a functional node).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # No weights of its own: this empty buffer follows `.to(device)` so outputs of string
        # inputs land where the model runs.
        self.register_buffer("_device_anchor", torch.empty(0), persistent=False)

    def forward(self, inputs, *args, **kwargs):
        if any_symbolic(inputs) or (args and any_symbolic(args)):
            return self._symbolic_call(inputs, *args, **kwargs)
        if not self.built:
            self._maybe_build(None)
        return self._run_call(inputs, args, kwargs)

    def _symbolic_call(self, inputs, *args, **kwargs):
        if not self.built:
            self._maybe_build(None)
        return super()._symbolic_call(inputs, *args, **kwargs)

    def compute_output_spec(self, inputs, *args, **kwargs):
        shape = tuple(inputs.shape) if not isinstance(inputs, (list, tuple)) else [t.shape for t in inputs]
        return KerasTensor(self.compute_output_shape(shape), dtype=self._output_dtype())

    def _output_dtype(self):
        return self.compute_dtype

    def build(self, input_shape=None):
        self.built = True

    def get_build_config(self):
        return {}

    def build_from_config(self, cfg):
        self.build(None)
