"""Keras 3.15 weight initializers producing torch tensors in Keras weight layout.

`__call__(shape, dtype=None)` takes the Keras-layout shape (e.g. Dense kernel
`(in, out)`, Conv2D kernel `(kh, kw, in, out)`) and returns a float32 tensor
unless `dtype` says otherwise. With an integer `seed` every call returns the
same values (like Keras); without one torch's global RNG is used, so
`torch.manual_seed` controls it. Random streams are not TF's.
"""

import inspect
import math

import numpy as np
import torch

from torchkeras.utils import serialization as _ser

_TRUNC_CORRECTION = 0.87962566103423978  # stddev of N(0,1) truncated to [-2, 2]


def _torch_dtype(dtype):
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    name = str(dtype).replace("torch.", "")
    resolved = getattr(torch, name, None)
    if not isinstance(resolved, torch.dtype):
        raise ValueError(f"Invalid dtype: {dtype!r}. Expected e.g. 'float32' or torch.float32.")
    return resolved


def _shape(shape):
    return tuple(int(d) for d in shape)


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)`."""

    _keras_module = "keras"  # Keras exports the base as keras.Initializer

    def __call__(self, shape, dtype=None):
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = _torch_dtype(dtype)
        value = torch.as_tensor(np.asarray(self.value), dtype=dtype)
        return value * torch.ones(_shape(shape), dtype=dtype)

    def get_config(self):
        return {"value": _ser.serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config):
        return cls(_ser.deserialize_keras_object(config.get("value", 0.0)))


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return torch.zeros(_shape(shape), dtype=_torch_dtype(dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return torch.ones(_shape(shape), dtype=_torch_dtype(dtype))


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return self.gain * torch.eye(*shape, dtype=_torch_dtype(dtype))

    def get_config(self):
        # Keras 3.15 returns {} and so loses `gain`; real Keras still loads this.
        return {"gain": self.gain}


def _seed_config(seed):
    if seed is None or isinstance(seed, int):
        return seed
    from torchkeras.utils.serialization import serialize_keras_object
    return serialize_keras_object(seed)


class RandomInitializer(Initializer):
    def __init__(self, seed=None):
        from torchkeras.random import SeedGenerator

        if isinstance(seed, dict):  # a serialized SeedGenerator, as Keras's configs hold it
            from torchkeras.utils.serialization import deserialize_keras_object
            seed = deserialize_keras_object(seed)
        if seed is not None and not isinstance(seed, SeedGenerator) and (
                isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("`seed` argument should be an instance of `keras.random.SeedGenerator()` or an "
                             f"integer. Received: seed={seed!r}")
        self.seed = seed

    def _generator(self):
        from torchkeras.random import SeedGenerator

        # An integer seed: a fresh generator per call, so a seeded initializer is reproducible, as in
        # Keras. A SeedGenerator: its stream advances with each call.
        if isinstance(self.seed, SeedGenerator):
            return self.seed.generator
        return None if self.seed is None else torch.Generator().manual_seed(self.seed)

    def _normal(self, shape, mean, stddev, dtype):
        out = torch.randn(_shape(shape), generator=self._generator(), dtype=torch.float64)
        return (mean + stddev * out).to(_torch_dtype(dtype))

    def _uniform(self, shape, minval, maxval, dtype):
        out = torch.rand(_shape(shape), generator=self._generator(), dtype=torch.float64)
        return (minval + (maxval - minval) * out).to(_torch_dtype(dtype))

    def _truncated_normal(self, shape, mean, stddev, dtype):
        # Inverse-CDF sampling of N(0,1) restricted to [-2, 2] (TF's truncation).
        lo, hi = (1 + math.erf(-2 / math.sqrt(2))) / 2, (1 + math.erf(2 / math.sqrt(2))) / 2
        u = torch.rand(_shape(shape), generator=self._generator(), dtype=torch.float64)
        z = math.sqrt(2) * torch.special.erfinv(2 * (lo + (hi - lo) * u) - 1)
        return (mean + stddev * z.clamp(-2.0, 2.0)).to(_torch_dtype(dtype))

    def get_config(self):
        return {"seed": _seed_config(self.seed)}


class RandomNormal(RandomInitializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._normal(shape, self.mean, self.stddev, dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomNormal):
    """Normal values more than 2 stddev from the mean are redrawn."""

    def __call__(self, shape, dtype=None):
        return self._truncated_normal(shape, self.mean, self.stddev, dtype)


class RandomUniform(RandomInitializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._uniform(shape, self.minval, self.maxval, dtype)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a Keras-layout weight shape."""
    shape = _shape(shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes])),
                int(np.prod([shape[a] for a in output_axes])))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(RandomInitializer):
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Please use one of {modes}.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        dists = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in dists:
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. "
                             f"Please use one of {dists}.")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        scale = self.scale / max(1.0, fan[self.mode])
        if self.distribution == "truncated_normal":
            return self._truncated_normal(shape, 0.0, math.sqrt(scale) / _TRUNC_CORRECTION, dtype)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return self._uniform(shape, -limit, limit, dtype)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _fixed_variance_scaling(name, scale, mode, distribution):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution,
                                 seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": _seed_config(self.seed), "input_axes": self.input_axes, "output_axes": self.output_axes}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__module__": __name__})


GlorotUniform = _fixed_variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _fixed_variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
LecunUniform = _fixed_variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _fixed_variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")
HeUniform = _fixed_variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _fixed_variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """Orthogonal matrix over (prod(shape[:-1]), shape[-1]), times `gain`."""

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = self._normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, torch.float64)
        q, r = torch.linalg.qr(a)
        q = q * torch.sign(torch.diagonal(r))  # makes the decomposition unique
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).to(_torch_dtype(dtype))

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


_WINDOWS = {"hann": (0.5, 0.5, 0.0), "hamming": (0.54, 0.46, 0.0),
            "blackman": (0.42, 0.5, 0.08), "boxcar": (1.0, 0.0, 0.0)}


def _window(name, length, periodic):
    """scipy.signal.get_window(name, length, fftbins=periodic) for cosine-sum windows."""
    if name not in _WINDOWS:
        raise ValueError(f"Unsupported window {name!r}. Supported: {sorted(_WINDOWS)}, "
                         "or pass the window values as an array.")
    a0, a1, a2 = _WINDOWS[name]
    m = length + 1 if periodic else length
    x = 2 * np.pi * np.arange(m) / max(m - 1, 1)
    return (a0 - a1 * np.cos(x) + a2 * np.cos(2 * x))[:length]


class STFT(Initializer):
    """Real or imaginary DFT kernel of shape (frame_length, 1, fft_bins)."""

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side!r}")
        if isinstance(window, str):
            _window(window, 1, periodic)
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling!r}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        frame_length, _, fft_bins = _shape(shape)
        t = np.arange(frame_length).reshape(-1, 1, 1)
        f = np.arange(fft_bins).reshape(1, 1, -1) / ((fft_bins - 1) * 2)
        args = -2.0 * np.pi * t * f
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is not None:
            win = self.window
            win = _window(win, frame_length, self.periodic) if isinstance(win, str) else win
            win = np.asarray(win, dtype=np.float64)
            if win.shape != (frame_length,):
                raise ValueError("The shape of `window` must be equal to [frame_length]. "
                                 f"Received: window shape={win.shape}")
            scale = {"density": np.sqrt(np.sum(win**2)), "spectrum": np.sum(np.abs(win))}
            kernel = kernel * win.reshape(-1, 1, 1) / scale.get(self.scaling, 1.0)
        return torch.as_tensor(kernel).to(_torch_dtype(dtype))

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic,
                "scaling": self.scaling}


IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT

_CLASSES = (Initializer, Constant, Identity, Ones, STFT, Zeros, GlorotNormal, GlorotUniform,
            HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal,
            RandomUniform, TruncatedNormal, VarianceScaling)
_SNAKE = {"GlorotNormal": "glorot_normal", "GlorotUniform": "glorot_uniform",
          "HeNormal": "he_normal", "HeUniform": "he_uniform", "LecunNormal": "lecun_normal",
          "LecunUniform": "lecun_uniform", "RandomNormal": "random_normal",
          "RandomUniform": "random_uniform", "TruncatedNormal": "truncated_normal",
          "VarianceScaling": "variance_scaling", "STFT": "stft"}
ALL_OBJECTS_DICT = {c.__name__: c for c in _CLASSES}
ALL_OBJECTS_DICT.update({_SNAKE.get(c.__name__, c.__name__.lower()): c for c in _CLASSES})
ALL_OBJECTS_DICT.update({"IdentityInitializer": Identity, "normal": RandomNormal, "one": Ones,
                         "STFTInitializer": STFT, "OrthogonalInitializer": Orthogonal,
                         "uniform": RandomUniform, "zero": Zeros})


def serialize(initializer):
    return _ser.serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    return _ser.deserialize_keras_object(config, custom_objects=custom_objects,
                                         module_objects=ALL_OBJECTS_DICT, kind="initializer")


def get(identifier):
    """None -> None; name/config -> a new instance; an array -> a fixed-value init."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    elif isinstance(identifier, (torch.Tensor, np.ndarray, np.generic)):
        fixed = identifier

        def initialize_fn(shape, dtype=None):
            if _shape(shape) != tuple(fixed.shape):
                raise ValueError(f"Expected `shape` to be {tuple(fixed.shape)} for direct "
                                 f"tensor as initializer. Received shape={tuple(shape)}")
            return torch.as_tensor(np.asarray(fixed) if not isinstance(fixed, torch.Tensor)
                                   else fixed.detach()).to(_torch_dtype(dtype)).clone()

        obj = initialize_fn
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}. "
                     f"Expected None, a callable or one of {sorted(ALL_OBJECTS_DICT)}.")


# Keras exports every initializer class under its function-style name as well (the same class).
constant, zeros, ones, identity = Constant, Zeros, Ones, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal, stft = VarianceScaling, Orthogonal, STFT
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
he_uniform, he_normal = HeUniform, HeNormal
