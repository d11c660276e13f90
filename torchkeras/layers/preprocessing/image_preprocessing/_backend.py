"""The `layer.backend` object of Keras's image layers, on torch.

Keras's preprocessing layers reach ops through `self.backend` (`self.backend.random.uniform`, ...),
and user code (and Keras's own tests) subclass the layers and patch those entry points. The layers
here draw every random number through `backend.random`, so patching it works the same way.
Random draws run on the CPU from the layer's `SeedGenerator` (torch's global stream when it was
seeded with None) and are moved to the images' device by the caller.

Inside a tf.data pipeline Keras runs the layer on its TensorFlow backend, whose seeded draws are
TensorFlow's stateless ones (`tf.random.stateless_uniform(seed=[seed, counter])`). There the layer's
seed generator is a `TFSeedGenerator` and the draws are made by TensorFlow itself (already imported
by the caller), so a seeded layer maps a dataset exactly as Keras does.
"""

import random as python_random
import sys

import numpy as np
import torch

from torchkeras.layers.preprocessing.image_preprocessing._tf_data import in_tf_data, probing
from torchkeras.random import SeedGenerator

_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
           "float64": torch.float64, "uint8": torch.uint8, "int8": torch.int8, "int16": torch.int16,
           "int32": torch.int32, "int64": torch.int64, "bool": torch.bool}


def torch_dtype(dtype):
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    return _DTYPES[str(dtype)]


class TFSeedGenerator:
    """Keras's `SeedGenerator` on its TensorFlow backend: the state [seed, counter] advances by
    [0, 1] per draw (not during the structure probe of a symbolic tf.data call)."""

    def __init__(self, seed=None):
        if seed is None:
            seed = python_random.randint(1, int(1e9))  # Keras's make_default_seed
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.seed, self.counter = int(seed), 0

    def next(self):
        state = (self.seed, self.counter)
        if not probing():
            self.counter += 1
        return state


_INT32_MAX = 2 ** 31 - 1


def _tf_seed(seed):
    """The int32 seed pair Keras's TensorFlow backend draws with, or None (draw with torch)."""
    if isinstance(seed, TFSeedGenerator):
        pair = seed.next()
    elif in_tf_data() and isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        pair = (int(seed), 0)
    else:
        return None
    # Keras's `_cast_seed`: floormod by int32.max - 1, then int32 (Python's % is a floor mod).
    return [v % (_INT32_MAX - 1) for v in pair]


def _tf():
    return sys.modules["tensorflow"]


def _eager():
    """TensorFlow draws run eagerly (the probe of a symbolic tf.data call runs while a graph is traced)."""
    return _tf().init_scope()


def _dtype_name(dtype, default="float32"):
    if dtype is None:
        return default
    return str(dtype).replace("torch.", "")


def _tf_value(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return x


def _from_tf(t):
    return torch.from_numpy(np.array(t.numpy()))


def _generator(seed):
    if seed is None:
        return None
    if isinstance(seed, TFSeedGenerator):
        raise TypeError("A TFSeedGenerator only drives TensorFlow draws (inside a tf.data pipeline).")
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, torch.Generator):
        return seed
    return torch.Generator().manual_seed(int(seed))


def _shape(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


class _Random:
    SeedGenerator = SeedGenerator

    def uniform(self, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        tf_seed = _tf_seed(seed)
        if tf_seed is not None:
            with _eager():
                tf, dt = _tf(), _dtype_name(dtype)
                return _from_tf(tf.random.stateless_uniform(
                    shape=_shape(shape), minval=tf.cast(_tf_value(minval), dt), maxval=tf.cast(_tf_value(maxval), dt),
                    dtype=dt, seed=tf_seed))
        out = torch.rand(_shape(shape), generator=_generator(seed), dtype=torch_dtype(dtype) or torch.float32)
        return out * (maxval - minval) + minval

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        tf_seed = _tf_seed(seed)
        if tf_seed is not None:
            with _eager():
                return _from_tf(_tf().random.stateless_normal(
                    shape=_shape(shape), mean=_tf_value(mean), stddev=_tf_value(stddev), dtype=_dtype_name(dtype),
                    seed=tf_seed))
        out = torch.randn(_shape(shape), generator=_generator(seed), dtype=torch_dtype(dtype) or torch.float32)
        return out * stddev + mean

    def randint(self, shape, minval, maxval, dtype="int32", seed=None):
        tf_seed = _tf_seed(seed)
        if tf_seed is not None:
            with _eager():
                tf, dt = _tf(), _dtype_name(dtype, "int32")
                inter = dt if dt in ("int32", "int64") else "int64"
                out = tf.random.stateless_uniform(shape=_shape(shape), minval=int(minval), maxval=int(maxval),
                                                  dtype=inter, seed=tf_seed)
                return _from_tf(out).to(torch_dtype(dt))
        out = torch.randint(int(minval), int(maxval), _shape(shape), generator=_generator(seed))
        return out.to(torch_dtype(dtype))

    def shuffle(self, x, axis=0, seed=None):
        tf_seed = _tf_seed(seed)
        if tf_seed is not None:
            with _eager():
                tf = _tf()
                keys = tf.random.stateless_uniform(shape=[int(x.shape[axis])], seed=tf_seed)
                perm = _from_tf(tf.argsort(keys)).to(device=x.device, dtype=torch.int64)
                return torch.index_select(x, axis, perm)
        perm = torch.randperm(x.shape[axis], generator=_generator(seed)).to(x.device)
        return torch.index_select(x, axis, perm)

    def gamma(self, shape, alpha, dtype=None, seed=None):
        tf_seed = _tf_seed(seed)
        if tf_seed is not None:
            with _eager():
                dt = _dtype_name(dtype)
                inter = "float32" if dt == "bfloat16" else dt
                out = _tf().random.stateless_gamma(_shape(shape), alpha=_tf_value(alpha), dtype=inter, seed=tf_seed)
                return _from_tf(out).to(torch_dtype(dt))
        # torch's Gamma sampler takes no generator: sample from a generator-driven normal/uniform
        # stream instead (Marsaglia-Tsang), so seeded layers stay reproducible.
        gen = _generator(seed)
        alpha = torch.as_tensor(alpha, dtype=torch.float64).expand(_shape(shape)).clone()
        boost = alpha < 1
        a = torch.where(boost, alpha + 1, alpha)
        d = a - 1.0 / 3.0
        c = 1.0 / torch.sqrt(9.0 * d)
        out = torch.empty_like(a)
        todo = torch.ones_like(a, dtype=torch.bool)
        while bool(todo.any()):
            z = torch.randn(a.shape, generator=gen, dtype=torch.float64)
            u = torch.rand(a.shape, generator=gen, dtype=torch.float64)
            v = (1 + c * z) ** 3
            ok = (v > 0) & (torch.log(u.clamp_min(1e-300)) < 0.5 * z * z + d - d * v + d * torch.log(v.clamp_min(1e-300)))
            take = todo & ok
            out = torch.where(take, d * v, out)
            todo = todo & ~ok
        u = torch.rand(a.shape, generator=gen, dtype=torch.float64)
        out = torch.where(boost, out * u.clamp_min(1e-300) ** (1.0 / alpha), out)
        return out.to(torch_dtype(dtype) or torch.float32)

    def beta(self, shape, alpha, beta, dtype=None, seed=None):
        tf_seed = _tf_seed(seed)
        if tf_seed is not None:
            with _eager():
                # Keras's TensorFlow backend: X(a) / (X(a) + Y(b)) from two gammas, the second seeded with seed + 12.
                tf, dt = _tf(), _dtype_name(dtype)
                inter = "float32" if dt == "bfloat16" else dt
                shape = _shape(shape)
                a = tf.broadcast_to(tf.convert_to_tensor(_tf_value(alpha), dtype=inter), shape)
                b = tf.broadcast_to(tf.convert_to_tensor(_tf_value(beta), dtype=inter), shape)
                ga = tf.random.stateless_gamma(shape=shape, seed=tf_seed, alpha=a, dtype=inter)
                gb = tf.random.stateless_gamma(shape=shape, seed=[v + 12 for v in tf_seed], alpha=b, dtype=inter)
                return _from_tf(ga / (ga + gb)).to(torch_dtype(dt))
        x = self.gamma(shape, alpha, dtype="float64", seed=seed)
        y = self.gamma(shape, beta, dtype="float64", seed=seed)
        return (x / (x + y)).to(torch_dtype(dtype) or torch.float32)


class _Numpy:
    def full(self, shape, fill_value, dtype=None):
        return torch.full(_shape(shape), fill_value, dtype=torch_dtype(dtype) or torch.float32)

    def zeros(self, shape, dtype=None):
        return torch.zeros(_shape(shape), dtype=torch_dtype(dtype) or torch.float32)

    def ones(self, shape, dtype=None):
        return torch.ones(_shape(shape), dtype=torch_dtype(dtype) or torch.float32)


class Backend:
    """What Keras's image layers call through `self.backend`: the torch backend."""

    name = "torch"
    _backend = "torch"
    random = _Random()
    numpy = _Numpy()

    @property
    def core(self):
        return self

    @staticmethod
    def shape(x):
        return tuple(x.shape)

    @staticmethod
    def convert_to_tensor(x, dtype=None):
        t = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
        return t.to(torch_dtype(dtype)) if dtype is not None else t

    @staticmethod
    def cast(x, dtype):
        return Backend.convert_to_tensor(x).to(torch_dtype(dtype))

    @staticmethod
    def is_tensor(x):
        return isinstance(x, torch.Tensor)


BACKEND = Backend()
