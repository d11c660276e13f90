"""RMSNormalization: x * rsqrt(mean(x^2 over axis) + epsilon) * scale (Zhang & Sennrich 2019)."""

import torch
from torch import nn

from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.layers.normalization import _utils as U


class RMSNormalization(Layer):
    """Root-mean-square normalization with a learned `scale` (initialised to ones).

    Args:
        axis: int or list of ints, the axes to normalise over (default -1). After build, Keras keeps
            it as a sorted list, and so does this layer.
        epsilon: added to the mean square before the reciprocal square root (default 1e-6).

    Weights: scale, shape (input_shape[a] for a in axis). Computed in at least float32, returned in
    the input's dtype, as Keras.
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
        else:
            self.axis = [self.axis]
        axes = U.normalize_axes(self.axis, len(input_shape), self, input_shape)
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"RMSNormalization {self.name!r} needs the normalised axes {self.axis} of its input "
                             f"to be defined. Received input_shape={input_shape}.")
        dtype = torch_dtype(self.variable_dtype)
        self.weight = nn.Parameter(torch.ones(shape, dtype=dtype, device=self._device_cache))
        self._scale = self._track_variable(self, "weight", "scale")
        self._bcast_cache = {}

    @property
    def scale(self):
        return self._scale

    def _broadcast(self, ndim):
        # The scale's axes sit at `axis`, every other axis broadcasts.
        cached = self._bcast_cache.get(ndim)
        if cached is None:
            axes = U.normalize_axes(self.axis, ndim, self, (None,) * ndim)
            order = sorted(range(len(axes)), key=lambda i: axes[i])
            shape = [1] * ndim
            for i in order:
                shape[axes[i]] = self.weight.shape[i]
            cached = (tuple(sorted(axes)), shape, order)
            self._bcast_cache[ndim] = cached
        return cached

    def call(self, inputs):
        axes, shape, order = self._broadcast(inputs.dim())
        x = inputs if inputs.dtype in (torch.float32, torch.float64) else inputs.float()
        w = self.weight
        if order != sorted(order):
            w = w.permute(order)
        w = w.reshape(shape).to(x.dtype)
        out = x * torch.rsqrt(x.square().mean(dim=axes, keepdim=True) + self.epsilon) * w
        return out.to(inputs.dtype) if inputs.is_floating_point() else out

    def compute_output_shape(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        for axis in axes:
            if axis >= len(input_shape) or axis < -len(input_shape):
                raise ValueError(f"Axis {axis} is out of bounds for input shape {tuple(input_shape)}. "
                                 f"Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"axis": self.axis, "epsilon": self.epsilon})
        return cfg
