"""keras.utils.timeseries_dataset_from_array: sliding windows over an array as an emulated tf.data
Dataset. Windows are gathered per batch from the start positions, so nothing the size of
(num_windows, sequence_length, ...) is ever materialised."""

import numpy as np
import torch


def _check_args(data, start_index, end_index, sampling_rate, sequence_stride, format):
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError("`sampling_rate` must be lower than the length of the data. Received: "
                         f"sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError("`sequence_stride` must be lower than the length of the data. Received: "
                         f"sequence_stride={sequence_stride}, for data of length {n}")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')


def _as_tensor(values):
    array = np.asarray(values)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"`data` and `targets` must be numeric arrays. Received an array of dtype {array.dtype}.")
    return torch.from_numpy(np.ascontiguousarray(array))


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None,
                                  format="tf"):
    """Dataset of windows `data[s : s + sequence_length * sampling_rate : sampling_rate]` for start
    positions `s = 0, sequence_stride, ...` (relative to `start_index`), each paired with
    `targets[start_index + s]` when `targets` is given. Yields batches unless `batch_size=None`."""
    from torchkeras.porting.tf.data import Dataset
    _check_args(data, start_index, end_index, sampling_rate, sequence_stride, format)
    start = start_index or 0
    end = len(data) if end_index is None else end_index
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype="int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    steps = _as_tensor(data[start:end])
    offsets = torch.arange(sequence_length, dtype=torch.int64) * sampling_rate
    target_values = _as_tensor(targets[start:end]) if targets is not None else None

    def windows(pos):
        sequences = steps[pos.unsqueeze(-1) + offsets]
        if target_values is None:
            return sequences
        return sequences, target_values[pos]

    ds = Dataset.from_tensor_slices(torch.from_numpy(positions))
    if shuffle:
        ds = ds.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    return ds.map(windows)
