"""keras.utils.split_dataset and the directory-indexing helpers shared by the *_dataset_from_directory
functions. Datasets are torchkeras's tf.data emulation (`torchkeras.porting.tf.data.Dataset`), which
fit / evaluate / predict consume as Keras consumes a tf.data.Dataset."""

import random

import numpy as np
import torch
from torch.utils.data import Dataset as TorchDataset

from torchkeras import tree


def tf_data():
    # Imported lazily: the tf emulation is only needed when a dataset is actually built.
    from torchkeras.porting.tf import data
    return data


def is_tf_dataset(dataset):
    return isinstance(dataset, tf_data().Dataset)


def is_torch_dataset(dataset):
    return isinstance(dataset, TorchDataset)


def get_batch_size(dataset):
    """The batch size of a batched emulated tf.data pipeline, or None when it yields single samples."""
    from torchkeras.porting.tf.data._batching import Batch, Unbatch
    node = dataset
    while node is not None:
        if isinstance(node, Batch):
            return node.size
        if isinstance(node, Unbatch):
            return None
        node = getattr(node, "input", None)
    return None


def is_batched(dataset):
    return is_tf_dataset(dataset) and get_batch_size(dataset) is not None


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """Splits a dataset (arrays, a list/tuple of arrays, a tf.data.Dataset or a torch Dataset) into a
    left and a right part; sizes are sample counts (int) or fractions (float in (0, 1))."""
    if preferred_backend is None:
        preferred_backend = "tensorflow" if is_tf_dataset(dataset) else "torch"
    if not isinstance(dataset, (tuple, list, np.ndarray)) and not is_tf_dataset(dataset) \
            and not is_torch_dataset(dataset) and not _is_real_tf_dataset(dataset):
        raise TypeError("The `dataset` argument must be either a `tf.data.Dataset` object, or a list/tuple of "
                        f"arrays. Received: dataset={dataset} of type {type(dataset)}")
    if right_size is None and left_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    samples = _samples(dataset)
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.seed(seed)
        random.shuffle(samples)
    left_size, right_size = rescale_split_sizes(left_size, right_size, len(samples))
    left, right = samples[:left_size], samples[-right_size:]
    if preferred_backend == "torch":
        return _TorchSplit(left), _TorchSplit(right)
    data = tf_data()
    left_ds = data.Dataset.from_tensor_slices(_stack(left))
    right_ds = data.Dataset.from_tensor_slices(_stack(right))
    batch_size = get_batch_size(dataset) if is_tf_dataset(dataset) else None
    if batch_size is not None:
        left_ds, right_ds = left_ds.batch(batch_size), right_ds.batch(batch_size)
    return left_ds.prefetch(data.AUTOTUNE), right_ds.prefetch(data.AUTOTUNE)


def _is_real_tf_dataset(dataset):
    # A tf.data.Dataset from TensorFlow itself (never imported here): read through its numpy iterator.
    return type(dataset).__module__.startswith("tensorflow.") and hasattr(dataset, "as_numpy_iterator")


def _as_numpy(value):
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value) if not isinstance(value, np.ndarray) else value


def _samples(dataset):
    if isinstance(dataset, (list, tuple)):
        kind = "list" if isinstance(dataset, list) else "tuple"
        if len(dataset) == 0:
            raise ValueError(f"Received an empty {kind} dataset. Please provide a non-empty {kind} of arrays.")
        for i, element in enumerate(dataset):
            if not isinstance(element, np.ndarray):
                raise ValueError(f"Expected a {kind} of `numpy.ndarray` objects, Received: {type(element)} "
                                 f"at index {i}.")
            if element.shape[0] != dataset[0].shape[0]:
                raise ValueError(f"Received a {kind} of NumPy arrays with different lengths. Mismatch found at "
                                 f"index {i}, Expected shape={dataset[0].shape} Received shape={element.shape}. "
                                 f"Please provide a {kind} of NumPy arrays of the same length.")
        samples = [tuple(row) for row in zip(*dataset)]
    elif is_tf_dataset(dataset):
        if is_batched(dataset):
            dataset = dataset.unbatch()
        samples = list(dataset.as_numpy_iterator())
    elif _is_real_tf_dataset(dataset):
        if getattr(dataset, "_batch_size", None) is not None:
            dataset = dataset.unbatch()
        samples = list(dataset.as_numpy_iterator())
    elif is_torch_dataset(dataset):
        samples = [tree.map_structure(_as_numpy, dataset[i]) for i in range(len(dataset))]
    else:
        samples = list(dataset)
    if not samples:
        raise ValueError("Received an empty dataset. Argument `dataset` must be a non-empty list/tuple of "
                         "`numpy.ndarray` objects or `tf.data.Dataset` objects.")
    first = samples[0]
    if isinstance(first, np.ndarray):
        for i, s in enumerate(samples[1:]):
            if np.shape(s) != first.shape:
                raise ValueError(f"All `dataset` samples must have same shape, Expected shape: {first.shape} "
                                 f"Received shape: {np.shape(s)} at index {i}.")
    return samples


def _stack(samples):
    """Samples (each a structure) -> one structure of stacked arrays, tuples kept as tuples."""
    flat = [tree.flatten(s) for s in samples]
    columns = [np.array(c) for c in zip(*flat)]
    packed = tree.pack_sequence_as(samples[0], columns)
    return _tuples(packed)


def _tuples(structure):
    if isinstance(structure, list):
        return tuple(_tuples(v) for v in structure)
    if isinstance(structure, tuple) and not hasattr(structure, "_fields"):
        return tuple(_tuples(v) for v in structure)
    if isinstance(structure, dict):
        return type(structure)((k, _tuples(v)) for k, v in structure.items())
    return structure


class _TorchSplit(TorchDataset):
    """One side of a split as a map-style torch Dataset of torch tensors."""

    def __init__(self, samples):
        self.items = [tree.map_structure(lambda v: torch.as_tensor(np.asarray(v)), s) for s in samples]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def rescale_split_sizes(left_size, right_size, total_length):
    """Validates split sizes and turns fractions into sample counts (Keras's rules and messages)."""
    lt, rt = type(left_size), type(right_size)
    if (left_size is not None and lt not in (int, float)) and (right_size is not None and rt not in (int, float)):
        raise TypeError("Invalid `left_size` and `right_size` Types. Expected: integer or float or None, "
                        f"Received: type(left_size)={lt} and type(right_size)={rt}")
    if left_size is not None and lt not in (int, float):
        raise TypeError(f"Invalid `left_size` Type. Expected: int or float or None, Received: type(left_size)={lt}.")
    if right_size is not None and rt not in (int, float):
        raise TypeError(f"Invalid `right_size` Type. Expected: int or float or None,Received: type(right_size)={rt}.")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split sizes must be "
                         "non-zero.")
    for size, kind, name in ((left_size, lt, "left_size"), (right_size, rt, "right_size")):
        if (kind is int and (size <= 0 or size >= total_length)) or (kind is float and (size <= 0 or size >= 1)):
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total_length}, or a "
                             f"float within the range `[0, 1]`. Received: {name}={size}")
    if lt is rt is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be less than or "
                         "equal to 1.")
    left = round(left_size * total_length) if lt is float else left_size
    right = round(right_size * total_length) if rt is float else right_size
    if left is None:
        left = total_length - right
    elif right is None:
        right = total_length - left
    if left + right > total_length:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the {total_length}. "
                         f"Received: left_size + right_size = {left + right}and total_length = {total_length}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(f"With `dataset` of length={total_length}, `left_size`={left} and "
                             f"`right_size`={right}.Resulting {side} side dataset split will be empty. Adjust any "
                             "of the aforementioned parameters")
    return int(left), int(right)


from torchkeras.utils._directory_index import (  # noqa: E402
    check_validation_split_arg,
    get_training_or_validation_split,
    index_directory,
    labels_to_dataset,
)

__all__ = ["check_validation_split_arg", "get_training_or_validation_split", "index_directory",
           "labels_to_dataset", "split_dataset"]
