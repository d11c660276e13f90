"""Discretization: continuous values -> bucket ids, with boundaries given or learned by adapt().

adapt() builds Keras's approximate quantile summary (sorted samples with weights, compressed to
`1 / epsilon` entries and merged batch by batch) so learned boundaries equal Keras's.
"""

import numpy as np
import torch

from torchkeras.keras_tensor import KerasTensor, torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing._base import iter_batches, to_numpy
from torchkeras.layers.preprocessing._encoding import encode
from torchkeras.layers.preprocessing.image_preprocessing._tf_data import (
    is_tf_input,
    tf_data_forward_static,
)

_MODES = ("int", "one_hot", "multi_hot", "count")


class Discretization(Layer):
    """Buckets continuous features by range: bucket i holds bin_boundaries[i-1] <= x < bin_boundaries[i].

    Args:
        bin_boundaries: sorted boundaries (len(bin_boundaries) + 1 buckets).
        num_bins: number of buckets to learn with adapt() (instead of `bin_boundaries`).
        epsilon: error tolerance of the learned quantiles (smaller: more exact, more memory).
        output_mode: "int", "one_hot", "multi_hot" or "count".
        sparse: unsupported on torch (must stay False).
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse and output_mode == "int":
            raise ValueError("`sparse=True` may only be used if `output_mode` is `'one_hot'`, `'multi_hot'`, "
                             f"or `'count'`. Received: sparse={sparse} and output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` cannot be used with backend torch")
        if output_mode not in _MODES:
            raise ValueError(f"Unknown value for `output_mode`. Expected one of {_MODES}. "
                             f"Received: output_mode={output_mode}")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries else np.array([[], []], dtype="float32")

    @property
    def output_dtype(self):
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def adapt(self, data, steps=None):
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with "
                             "`bin_boundaries`, use `num_bins` instead.")
        self.reset_state()
        for batch in iter_batches(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        data = to_numpy(data).astype("float32")
        self.summary = merge_summaries(summarize(data, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is None:
            return
        self.bin_boundaries = get_bin_boundaries(self.summary, self.num_bins).tolist()

    def reset_state(self):
        if self.num_bins is None:
            return
        self.summary = np.array([[], []], dtype="float32")

    def forward(self, inputs, *args, **kwargs):
        # As Keras's preprocessing layers: usable inside a tf.data pipeline (`dataset.map(layer)`).
        if type(inputs) is not torch.Tensor and is_tf_input(inputs):
            return tf_data_forward_static(self, inputs, args, kwargs)
        return super().forward(inputs, *args, **kwargs)

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time or "
                             "call `adapt(dataset)` before you can start using the `Discretization` layer.")
        boundaries = torch.tensor(self.bin_boundaries, dtype=torch.float32, device=inputs.device)
        values = inputs if inputs.is_floating_point() else inputs.to(torch.float32)
        ids = torch.bucketize(values.to(boundaries.dtype), boundaries, right=True)
        return encode(ids, self.output_mode, len(self.bin_boundaries) + 1, torch_dtype(self.output_dtype))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.output_dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name,
                "dtype": self.dtype}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            config = dict(config)
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)


def summarize(values, epsilon):
    """A weighted sample of sorted `values`: about 1 / epsilon entries, each weighing its step."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


def get_bin_boundaries(summary, num_bins):
    return compress_summary(summary, 1.0 / num_bins)[0, :-1]


def compress_summary(summary, epsilon):
    """Interpolate the summary at evenly spaced cumulative weights (no-op when already small)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
