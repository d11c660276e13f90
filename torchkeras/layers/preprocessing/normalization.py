"""Normalization: (x - mean) / sqrt(variance), with statistics given or learned by adapt()."""

import math

import numpy as np
import torch

from torchkeras import config
from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing._base import extract_x, iter_batches
from torchkeras.layers.preprocessing.image_preprocessing._tf_data import (
    is_tf_input,
    tf_data_forward_static,
)


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1 per index of the kept `axis`.

    Args:
        axis: the axis or axes that keep separate statistics (None: one scalar mean and variance).
        mean, variance: the statistics, given together (broadcast to the kept axes); otherwise
            call `adapt(data)`.
        invert: apply the inverse transformation (turn normalized values back into data).

    The adapted statistics are the Keras weights `mean`, `variance` and `count` (saved in `.keras`
    files as Keras saves them).
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. "
                             f"Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError("When setting values directly, `mean` and `variance` must have the same "
                                 f"shape. Received: mean shape {np.shape(mean)} and variance shape "
                                 f"{np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError("The rank of `mean` must be less than or equal to the number of axes "
                                 f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis "
                                 f"{self.axis}")

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._build_input_shape = input_shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                             f"ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(d if d >= 0 else d + ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. Received "
                                 f"axis={self.axis}, inputs.shape={input_shape}, with unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            # Keras keeps this always-zero counter for older saved models; it is in the files.
            self.count = self.add_weight(name="count", shape=(), dtype="int64", initializer="zeros",
                                         trainable=False)
            return
        dtype = torch_dtype(self.compute_dtype)
        mean = torch.as_tensor(np.asarray(self.input_mean), dtype=dtype)
        variance = torch.as_tensor(np.asarray(self.input_variance), dtype=dtype)
        if mean.dim() > 0:
            # Align the given statistics with the kept axes from the right.
            expanded = [1] * ndim
            for i in range(1, mean.dim() + 1):
                expanded[self._keep_axis[-i]] = mean.shape[-i]
            mean, variance = mean.reshape(expanded), variance.reshape(expanded)
        try:
            mean = mean.expand(self._broadcast_shape).clone()
            variance = variance.expand(self._broadcast_shape).clone()
        except RuntimeError as err:
            raise ValueError(f"`mean` and `variance` of shape {tuple(np.shape(self.input_mean))} cannot be "
                             f"broadcast to the kept axes of the input shape {input_shape} (axis="
                             f"{self.axis}): {err}") from None
        device = self._device_cache
        self.register_buffer("_given_mean", mean.to(device) if device is not None else mean, persistent=False)
        self.register_buffer("_given_variance", variance.to(device) if device is not None else variance,
                             persistent=False)

    @property
    def mean(self):
        """The mean broadcast to the input's rank (None before the layer is built), as Keras's."""
        return self._statistics()[0] if self.built and self._build_input_shape is not None else None

    @property
    def variance(self):
        return self._statistics()[1] if self.built and self._build_input_shape is not None else None

    def _statistics(self):
        if self.input_mean is not None:
            return self._given_mean, self._given_variance
        return (self.adapt_mean.reshape(self._broadcast_shape), self.adapt_variance.reshape(self._broadcast_shape))

    def forward(self, inputs, *args, **kwargs):
        # As Keras's preprocessing layers: usable inside a tf.data pipeline (`dataset.map(layer)`).
        if type(inputs) is not torch.Tensor and is_tf_input(inputs):
            return tf_data_forward_static(self, inputs, args, kwargs)
        return super().forward(inputs, *args, **kwargs)

    def call(self, inputs):
        dtype = torch_dtype(self.compute_dtype)
        if inputs.dtype != dtype:
            inputs = inputs.to(dtype)
        mean, variance = self._statistics()
        mean, variance = mean.to(dtype), variance.to(dtype)
        scale = torch.clamp(torch.sqrt(variance), min=config.epsilon())
        if self.invert:
            return mean + inputs * scale
        return (inputs - mean) / scale

    def adapt(self, data):
        """Compute the mean and variance of `data` (an array, a tensor, a PyDataset, a DataLoader, a
        tf.data-style dataset or any iterable of batches; `(x, y)` batches use x)."""
        whole = isinstance(data, (np.ndarray, torch.Tensor))
        if whole:
            first = data
        else:
            batches = iter_batches(data)
            first = next(batches, None)
            if first is None:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at least one "
                                 "batch. Pass a non-empty iterable of arrays or tensors, e.g. layer.adapt([x]) "
                                 "or layer.adapt(list_of_batches).")
            first = extract_x(first)
            if getattr(first, "shape", None) is None:
                raise TypeError("adapt() expects an iterable that yields arrays or tensors with a `.shape` "
                                "attribute (e.g. numpy arrays or backend tensors). Got an element of type "
                                f"{type(first).__name__}. Ensure each yielded element is array-like with a "
                                "`.shape` attribute.")
        input_shape = tuple(first.shape)
        if not self.built:
            self._maybe_build(input_shape)
        else:
            for d in self._keep_axis:
                if input_shape[d] != self._build_input_shape[d]:
                    raise ValueError(f"The layer was built with input_shape={self._build_input_shape}, but adapt() "
                                     "is being called with data with an incompatible shape, "
                                     f"data.shape={input_shape}")
        if whole:
            if math.prod(data.shape) == 0:
                raise ValueError(f"adapt() received empty data (shape {tuple(data.shape)}): the mean and "
                                 "variance of no values are undefined. Pass at least one sample.")
            if isinstance(data, np.ndarray):
                mean, var = np.mean(data, axis=self._reduce_axis), np.var(data, axis=self._reduce_axis)
            else:
                x = data.detach().to(torch.float32) if not data.is_floating_point() else data.detach()
                mean = x.mean(dim=self._reduce_axis) if self._reduce_axis else x
                var = x.var(dim=self._reduce_axis, unbiased=False) if self._reduce_axis else torch.zeros_like(x)
        else:
            mean, var = self._running_moments(first, batches)
        with torch.no_grad():
            self.adapt_mean.copy_(torch.as_tensor(np.asarray(_cpu(mean)), dtype=self.adapt_mean.dtype))
            self.adapt_variance.copy_(torch.as_tensor(np.asarray(_cpu(var)), dtype=self.adapt_variance.dtype))

    def _running_moments(self, first, batches):
        """Batch-by-batch mean and variance with Keras's update (float32, lack-of-fit formula)."""
        dtype = torch_dtype(self.compute_dtype)
        total_mean = torch.zeros(self._mean_and_var_shape, dtype=dtype)
        total_var = torch.zeros(self._mean_and_var_shape, dtype=dtype)
        total_count = 0
        for batch in [first] if batches is None else _chain(first, batches):
            batch = torch.as_tensor(np.asarray(_cpu(batch)), dtype=dtype)
            for d in self._keep_axis:
                if batch.shape[d] != self._build_input_shape[d]:
                    raise ValueError(f"adapt() yielded a batch with incompatible shape. Expected "
                                     f"{self._build_input_shape}, got {tuple(batch.shape)}.")
            if self._reduce_axis:
                batch_mean = batch.mean(dim=self._reduce_axis)
                batch_var = batch.var(dim=self._reduce_axis, unbiased=False)
                batch_count = math.prod(batch.shape[d] for d in self._reduce_axis)
            else:
                batch_mean, batch_var, batch_count = batch, torch.zeros_like(batch), 1
            total_count += batch_count
            batch_weight = float(batch_count) / total_count
            existing_weight = 1.0 - batch_weight
            new_mean = total_mean * existing_weight + batch_mean * batch_weight
            total_var = (total_var + (total_mean - new_mean) ** 2) * existing_weight + \
                (batch_var + (batch_mean - new_mean) ** 2) * batch_weight
            total_mean = new_mean
        return total_mean, total_var

    def finalize_state(self):
        """Kept for Keras compatibility: the statistics are read from the weights at every call."""

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"axis": self.axis, "invert": self.invert, "mean": np.array(self.input_mean).tolist(),
                    "variance": np.array(self.input_variance).tolist()})
        return cfg

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": self._build_input_shape}
        return None

    def build_from_config(self, cfg):
        if cfg:
            self._maybe_build(tuple(cfg["input_shape"]))


def _cpu(x):
    return x.detach().cpu() if isinstance(x, torch.Tensor) else x


def _chain(first, rest):
    yield first
    yield from rest
