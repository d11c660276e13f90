"""keras.random: random tensors on torch generators.

`seed` may be None (torch's global generator, so `keras.utils.set_random_seed` makes a script
reproducible), an int (a fresh generator seeded with it: the same int gives the same numbers on
every call, as Keras), or a `SeedGenerator` (a private stream that advances with each draw).
Tensors are created on the CPU (or on the device of `inputs` for dropout / shuffle).
"""

import torch

from torchkeras.ops._common import dtype_of, floatx_dtype, tensor


class SeedGenerator:
    """A stateful random stream: each draw that uses it advances it (keras.random.SeedGenerator)."""

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to SeedGenerator: {kwargs}")
        if seed is None:
            # Drawn from torch's global stream so a global seed makes this one reproducible too.
            seed = int(torch.randint(0, 2**31 - 1, ()).item())
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer or None. Received: seed={seed!r}")
        self.name = name or "seed_generator"
        self._initial_seed = seed
        self.generator = torch.Generator().manual_seed(seed)

    def next(self, ordered=True):
        return int(torch.randint(0, 2**31 - 1, (), generator=self.generator).item())

    @property
    def state(self):
        return self.generator.get_state()

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator seed={self._initial_seed}>"


def _generator(seed):
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, int) and not isinstance(seed, bool):
        return torch.Generator().manual_seed(seed)
    raise ValueError("Argument `seed` must be either an integer, an instance of `SeedGenerator`, or None. "
                     f"Received: seed={seed!r} (of type {type(seed).__name__})")


def _shape(shape):
    from torchkeras.ops.array import _shape as to_shape
    return to_shape(shape)


def _float(dtype):
    dt = dtype_of(dtype) or floatx_dtype()
    if not dt.is_floating_point:
        raise ValueError(f"Expected a float dtype; received dtype={dtype!r}.")
    return dt


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    out = torch.randn(_shape(shape), generator=_generator(seed), dtype=_float(dtype))
    return out * stddev + mean


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    if dtype and (dtype_of(dtype) is None or not dtype_of(dtype).is_floating_point):
        raise ValueError(f"`keras.random.uniform` requires a floating point `dtype`. Received: dtype={dtype} ")
    out = torch.rand(_shape(shape), generator=_generator(seed), dtype=_float(dtype))
    return out * (maxval - minval) + minval


# As Keras's torch backend: torch cannot draw (or reduce) these unsigned types; use the next signed one.
_RANDINT_DTYPES = {"uint16": torch.int32, "uint32": torch.int64}


def randint(shape, minval, maxval, dtype="int32", seed=None):
    tdtype = _RANDINT_DTYPES.get(str(dtype)) or dtype_of(dtype)
    if dtype and (tdtype is None or tdtype.is_floating_point or tdtype.is_complex or tdtype == torch.bool):
        raise ValueError(f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dtype} ")
    return torch.randint(int(minval), int(maxval), _shape(shape), generator=_generator(seed), dtype=tdtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples, redrawn where they fall more than two standard deviations from the mean."""
    gen = _generator(seed)
    out = torch.randn(_shape(shape), generator=gen, dtype=_float(dtype))
    bad = out.abs() > 2.0
    while bool(bad.any()):
        out[bad] = torch.randn(int(bad.sum()), generator=gen, dtype=out.dtype)
        bad = out.abs() > 2.0
    return out * stddev + mean


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero entries with probability `rate` and scale the rest by 1 / (1 - rate)."""
    x = tensor(inputs)
    if not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `rate`. Expected a float value in [0, 1]. "
                         f"Received: rate={rate}")
    if rate == 0:
        return x
    if rate == 1:  # as Keras: everything dropped
        return torch.zeros_like(x)
    shape = tuple(x.shape) if noise_shape is None else tuple(
        x.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    keep = torch.rand(shape, generator=_generator(seed)).to(x.device) >= rate
    return torch.where(keep, x / (1.0 - rate), torch.zeros((), dtype=x.dtype, device=x.device))


def shuffle(x, axis=0, seed=None):
    x = tensor(x)
    perm = torch.randperm(x.shape[axis], generator=_generator(seed)).to(x.device)
    return torch.index_select(x, axis, perm)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draw `num_samples` class ids per row of `logits` (batch, num_classes)."""
    if tensor(logits).ndim != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
                         f"Received: logits={logits}")
    probs = torch.softmax(tensor(logits).float().cpu(), dim=-1)
    out = torch.multinomial(probs, int(num_samples), replacement=True, generator=_generator(seed))
    return out.to(dtype_of(dtype)).to(tensor(logits).device)


def _param(value, shape, dtype):
    return torch.broadcast_to(tensor(value).to(dtype), _shape(shape)).contiguous()


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(alpha, 1) samples."""
    dt = _float(dtype)
    compute = torch.float32 if dt in (torch.float16, torch.bfloat16) else dt
    return torch._standard_gamma(_param(alpha, shape, compute), generator=_generator(seed)).to(dt)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(alpha, beta) samples, as X / (X + Y) of two Gamma draws."""
    dt = _float(dtype)
    compute = torch.float32 if dt in (torch.float16, torch.bfloat16) else dt
    gen = _generator(seed)
    x = torch._standard_gamma(_param(alpha, shape, compute), generator=gen)
    y = torch._standard_gamma(_param(beta, shape, compute), generator=gen)
    return (x / (x + y)).to(dt)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Number of successes in `counts` trials of probability `probabilities` (float dtype, as Keras)."""
    dt = _float(dtype)
    counts = _param(counts, shape, torch.float32)
    probs = _param(probabilities, shape, torch.float32)
    return torch.binomial(counts, probs, generator=_generator(seed)).to(dt)
