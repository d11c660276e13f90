"""The `layer.backend` object of Keras's image layers, on torch.

Keras's preprocessing layers reach ops through `self.backend` (`self.backend.random.uniform`, ...),
and user code (and Keras's own tests) subclass the layers and patch those entry points. The layers
here draw every random number through `backend.random`, so patching it works the same way.
Random draws run on the CPU from the layer's `SeedGenerator` (torch's global stream when it was
seeded with None) and are moved to the images' device by the caller.
"""

import numpy as np
import torch

from torchkeras.random import SeedGenerator

_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
           "float64": torch.float64, "uint8": torch.uint8, "int8": torch.int8, "int16": torch.int16,
           "int32": torch.int32, "int64": torch.int64, "bool": torch.bool}


def torch_dtype(dtype):
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    return _DTYPES[str(dtype)]


def _generator(seed):
    if seed is None:
        return None
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
        out = torch.rand(_shape(shape), generator=_generator(seed), dtype=torch_dtype(dtype) or torch.float32)
        return out * (maxval - minval) + minval

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        out = torch.randn(_shape(shape), generator=_generator(seed), dtype=torch_dtype(dtype) or torch.float32)
        return out * stddev + mean

    def randint(self, shape, minval, maxval, dtype="int32", seed=None):
        out = torch.randint(int(minval), int(maxval), _shape(shape), generator=_generator(seed))
        return out.to(torch_dtype(dtype))

    def shuffle(self, x, axis=0, seed=None):
        perm = torch.randperm(x.shape[axis], generator=_generator(seed)).to(x.device)
        return torch.index_select(x, axis, perm)

    def gamma(self, shape, alpha, dtype=None, seed=None):
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
