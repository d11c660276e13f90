"""Dropout and the other noise layers (active only when training, identity otherwise).

Random streams cannot match TF's; with `seed=` each layer draws from its own seeded torch
generator so runs are reproducible.
"""

import math
import numbers

import torch
import torch.nn.functional as F

from torchkeras import config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.random import SeedGenerator

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def make_seed_generator(seed):
    """The SeedGenerator Keras gives a layer with `seed=` (None: seeded from torch's global stream, so
    `torch.manual_seed` / `keras.utils.set_random_seed` make it reproducible)."""
    return SeedGenerator(seed)


def _check_fraction(value, arg):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"Invalid value received for argument `{arg}`. Expected a float value between 0 and 1. "
                         f"Received: {arg}={value!r}")
    return value


def _check_noise_shape(noise_shape):
    if noise_shape is None:
        return None
    if isinstance(noise_shape, str):
        raise ValueError("Invalid value received for argument `noise_shape`. Expected a tuple or list of integers. "
                         f"Received: noise_shape={noise_shape!r}")
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ValueError("Invalid value received for argument `noise_shape`. Expected an iterable of integers "
                         f"(e.g., a tuple or list). Received: noise_shape={noise_shape!r}") from None
    for i, d in enumerate(noise_shape):
        if d is None:
            continue
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise ValueError("Invalid value received for argument `noise_shape`. Expected all elements to be "
                             f"integers or None. Received element at index {i}: {d!r} (type: {type(d).__name__})")
        if d <= 0:
            raise ValueError("Invalid value received for argument `noise_shape`. Expected all dimensions to be "
                             f"positive integers or None. Received negative or zero value at index {i}: {d}")
    return tuple(None if d is None else int(d) for d in noise_shape)


class _NoiseLayer(Layer):
    """Shared parts: seeded generator per device, identity shape, mask pass-through."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._generators = {}
        self.seed_generator = None
        self.supports_masking = True
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def _make_seed_generator(self, active):
        # As Keras: a noise layer that can draw (rate/stddev > 0) owns one SeedGenerator. With
        # `seed=None` the layer's own draws come from torch's global stream (the fused F.dropout).
        self.seed_generator = make_seed_generator(self.seed) if active else None

    def _generator(self, device):
        if self.seed is None:
            return None
        if self.seed_generator is not None and torch.device(device).type == "cpu":
            return self.seed_generator.generator
        g = self._generators.get(device)
        if g is None:
            g = torch.Generator(device=device)
            g.manual_seed(int(self.seed))
            self._generators[device] = g
        return g

    def _uniform(self, shape, like):
        return torch.rand(shape, dtype=like.dtype, device=like.device, generator=self._generator(like.device))

    def _normal(self, like):
        return torch.randn(like.shape, dtype=like.dtype, device=like.device, generator=self._generator(like.device))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def _dropout_with_mask(layer, inputs, rate, noise_shape):
    if rate >= 1:
        return torch.zeros_like(inputs)
    keep = (layer._uniform(noise_shape, inputs) >= rate).to(inputs.dtype)
    return inputs * keep / (1.0 - rate)


class Dropout(_NoiseLayer):
    """Sets a fraction `rate` of the inputs to 0 during training and scales the rest by 1/(1-rate).

    `noise_shape` (None entries take the input's size) shares the drop mask along its 1-sized axes.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_fraction(rate, "rate")
        self.noise_shape = _check_noise_shape(noise_shape)
        self._make_seed_generator(self.rate > 0)

    def _concrete_noise_shape(self, inputs):
        if len(self.noise_shape) != inputs.dim():
            raise ValueError(f"Layer {self.name!r}: `noise_shape` {self.noise_shape} must have one entry per input "
                             f"axis; the input has shape {tuple(inputs.shape)}.")
        return tuple(inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))

    def call(self, inputs, training=None):
        if not training or self.rate <= 0:
            return inputs
        if self.noise_shape is None and self.seed is None:
            return F.dropout(inputs, self.rate, training=True)
        shape = tuple(inputs.shape) if self.noise_shape is None else self._concrete_noise_shape(inputs)
        return _dropout_with_mask(self, inputs, self.rate, shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return cfg


class _SpatialDropout(Dropout):
    _ndim = None

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._ndim)

    def call(self, inputs, training=None):
        if not training or self.rate <= 0:
            return inputs
        # one draw per (sample, channel), broadcast over the spatial axes
        shape = [1] * inputs.dim()
        shape[0] = inputs.shape[0]
        channel_axis = 1 if self.data_format == "channels_first" else -1
        shape[channel_axis] = inputs.shape[channel_axis]
        return _dropout_with_mask(self, inputs, self.rate, tuple(shape))

    def get_config(self):
        # Keras's spatial dropouts report exactly these keys (dtype as a plain string).
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype,
                "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole feature maps of (batch, steps, channels) inputs."""

    _ndim = 3

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, data_format="channels_last", seed=seed, name=name, dtype=dtype, **kwargs)

    def get_config(self):
        cfg = super().get_config()
        del cfg["data_format"]
        return cfg


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of 4D inputs (channels_last by default)."""

    _ndim = 4


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of 5D inputs (channels_last by default)."""

    _ndim = 5


class GaussianNoise(_NoiseLayer):
    """Adds N(0, stddev) noise during training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = _check_fraction(stddev, "stddev")
        self._make_seed_generator(self.stddev > 0)

    def call(self, inputs, training=None):
        if not training or self.stddev <= 0:
            return inputs
        return inputs + self.stddev * self._normal(inputs)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"stddev": self.stddev, "seed": self.seed})
        return cfg


class GaussianDropout(_NoiseLayer):
    """Multiplies by N(1, sqrt(rate / (1 - rate))) noise during training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_fraction(rate, "rate")
        self._make_seed_generator(self.rate > 0)

    def call(self, inputs, training=None):
        if not training or self.rate <= 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate)) if self.rate < 1 else math.inf
        return inputs * (1.0 + stddev * self._normal(inputs))

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"rate": self.rate, "seed": self.seed})
        return cfg


class AlphaDropout(_NoiseLayer):
    """Dropout that keeps SELU's self-normalisation: dropped units take SELU's negative saturation
    value, then an affine map restores mean and variance."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_fraction(rate, "rate")
        self.noise_shape = _check_noise_shape(noise_shape)
        self._make_seed_generator(self.rate > 0)

    def call(self, inputs, training=None):
        if not training or self.rate <= 0:
            return inputs
        if self.rate >= 1:  # the affine correction is undefined: every unit is dropped
            return torch.zeros_like(inputs)
        shape = tuple(inputs.shape) if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        kept = (self._uniform(shape, inputs) >= self.rate).to(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return cfg
