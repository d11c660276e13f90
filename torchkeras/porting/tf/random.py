"""tf.random on torch generators. `set_seed` seeds torch; an op-level `seed=` gets its own generator
(seeded from the global and op seeds), so repeated calls with one op seed continue one stream, as
in TF eager. `stateless_*` draw from a generator seeded by the `seed` pair alone: same seed, same
values. Values are not TF's bit streams."""

import torch

from torchkeras.porting.tf._core import (
    InvalidArgumentError,
    as_dtype,
    convert,
    namespace_getattr,
    torch_dtype,
)
from torchkeras.porting.tf.array_ops import _ints

__getattr__ = namespace_getattr("tf.random")

_state = {"global": None, "ops": {}}


def set_seed(seed):
    """tf.random.set_seed: seeds torch (CPU and CUDA) and restarts op-seeded streams."""
    _state["global"] = None if seed is None else int(seed)
    _state["ops"].clear()
    if seed is not None:
        torch.manual_seed(int(seed))


def _generator(seed):
    if seed is None:
        return None
    key = int(seed)
    gen = _state["ops"].get(key)
    if gen is None:
        gen = torch.Generator().manual_seed(((_state["global"] or 87654321) * 1000003 + key) % (2 ** 63))
        _state["ops"][key] = gen
    return gen


def _stateless(seed):
    s = _ints(seed)
    if len(s) != 2:
        raise ValueError(f"`seed` must be a shape [2] integer tensor; received {seed!r}.")
    return torch.Generator().manual_seed((s[0] * 2654435761 + s[1]) % (2 ** 63))


def _float_dtype(dtype, op):
    d = as_dtype(dtype)
    if not d.is_floating:
        raise InvalidArgumentError(f"Value for attr 'dtype' of {d.name} is not in the list of allowed values: "
                                   f"half, bfloat16, float, double ; NodeDef: {{{{node {op}}}}}")
    return d.torch


def normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None, name=None, _gen=None):
    td = _float_dtype(dtype, "RandomStandardNormal")
    z = torch.randn(_ints(shape), generator=_gen or _generator(seed), dtype=torch.float32).to(td)
    return z * _val(stddev, td) + _val(mean, td)


def _val(v, td):
    return v.to(td) if isinstance(v, torch.Tensor) else v


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None, name=None, _gen=None):
    td = _float_dtype(dtype, "TruncatedNormal")
    gen = _gen or _generator(seed)
    z = torch.randn(_ints(shape), generator=gen)
    bad = z.abs() > 2
    while bad.any():  # TF redraws values beyond two standard deviations
        z[bad] = torch.randn(int(bad.sum()), generator=gen)
        bad = z.abs() > 2
    return z.to(td) * _val(stddev, td) + _val(mean, td)


def uniform(shape, minval=0, maxval=None, dtype="float32", seed=None, name=None, _gen=None):
    d = as_dtype(dtype)
    gen = _gen or _generator(seed)
    if d.is_integer:
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {d!r}")
        lo, hi = int(convert(minval).item()) if isinstance(minval, torch.Tensor) else int(minval), \
            int(convert(maxval).item()) if isinstance(maxval, torch.Tensor) else int(maxval)
        if lo >= hi:
            raise InvalidArgumentError(f"Need minval < maxval: {lo} >= {hi} [Op:RandomUniformInt]")
        return torch.randint(lo, hi, _ints(shape), generator=gen, dtype=torch.int64).to(d.torch)
    td = _float_dtype(dtype, "RandomUniform")
    u = torch.rand(_ints(shape), generator=gen, dtype=torch.float32).to(td)
    hi = 1.0 if maxval is None else _val(maxval, td)
    return u * (hi - _val(minval, td)) + _val(minval, td)


def categorical(logits, num_samples, dtype=None, seed=None, name=None, _gen=None):
    x = convert(logits)
    probs = torch.softmax(x.double(), dim=-1)
    out = torch.multinomial(probs, int(num_samples), replacement=True, generator=_gen or _generator(seed))
    return out.to(torch_dtype(dtype or "int64"))


def shuffle(value, seed=None, name=None):
    t = convert(value)
    return t[torch.randperm(t.shape[0], generator=_generator(seed))]


def gamma(shape, alpha, beta=None, dtype="float32", seed=None, name=None):
    td = _float_dtype(dtype, "RandomGamma")
    a = convert(alpha, dtype).to(td)
    sample = torch._standard_gamma(a.expand(*_ints(shape), *a.shape).contiguous())
    return sample / (convert(beta, dtype).to(td) if beta is not None else 1)


def poisson(shape, lam, dtype="float32", seed=None, name=None):
    rate = convert(lam, "float32").float()
    return torch.poisson(rate.expand(*_ints(shape), *rate.shape).contiguous(),
                         generator=_generator(seed)).to(torch_dtype(dtype))


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype="float32", name=None, alg="auto_select"):
    return normal(shape, mean, stddev, dtype, _gen=_stateless(seed))


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype="float32", name=None, alg="auto_select"):
    return truncated_normal(shape, mean, stddev, dtype, _gen=_stateless(seed))


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype="float32", name=None, alg="auto_select"):
    return uniform(shape, minval, maxval, dtype, _gen=_stateless(seed))


def stateless_categorical(logits, num_samples, seed, dtype="int64", name=None):
    return categorical(logits, num_samples, dtype, _gen=_stateless(seed))


def stateless_binomial(shape, seed, counts, probs, output_dtype="int32", name=None):
    gen = _stateless(seed)
    n = convert(counts).double().expand(_ints(shape))
    p = convert(probs).double().expand(_ints(shape))
    draws = torch.rand((*_ints(shape), int(n.max()) if n.numel() else 0), generator=gen, dtype=torch.float64)
    hits = (draws < p.unsqueeze(-1)) & (torch.arange(draws.shape[-1]) < n.unsqueeze(-1))
    return hits.sum(-1).to(torch_dtype(output_dtype))


class Generator:
    """tf.random.Generator: an explicit random stream (a torch.Generator)."""

    def __init__(self, copy_from=None, state=None, alg=None):
        self._gen = torch.Generator()
        if copy_from is not None:
            self._gen.set_state(copy_from._gen.get_state())

    @classmethod
    def from_seed(cls, seed, alg=None):
        g = cls()
        g._gen.manual_seed(int(seed))
        return g

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        g = cls()
        g._gen.seed()
        return g

    def reset_from_seed(self, seed):
        self._gen.manual_seed(int(seed))

    def normal(self, shape, mean=0.0, stddev=1.0, dtype="float32", name=None):
        return normal(shape, mean, stddev, dtype, _gen=self._gen)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype="float32", name=None):
        return truncated_normal(shape, mean, stddev, dtype, _gen=self._gen)

    def uniform(self, shape, minval=0, maxval=None, dtype="float32", name=None):
        return uniform(shape, minval, maxval, dtype, _gen=self._gen)

    def uniform_full_int(self, shape, dtype="int64", name=None):
        info = torch.iinfo(torch_dtype(dtype))
        return torch.randint(info.min, info.max, _ints(shape), generator=self._gen, dtype=torch_dtype(dtype))

    def make_seeds(self, count=1):
        return torch.randint(0, 2 ** 31 - 1, (2, int(count)), generator=self._gen, dtype=torch.int64)

    def split(self, count=1):
        seeds = self.make_seeds(count)
        return [Generator.from_seed(int(seeds[0, i]) * 7919 + int(seeds[1, i])) for i in range(int(count))]


_global_generator = None


def get_global_generator():
    global _global_generator
    if _global_generator is None:
        _global_generator = Generator.from_seed(torch.initial_seed())
    return _global_generator


def set_global_generator(generator):
    global _global_generator
    _global_generator = generator


class _Experimental:
    Generator = Generator
    get_global_generator = staticmethod(get_global_generator)
    set_global_generator = staticmethod(set_global_generator)

    @staticmethod
    def stateless_split(seed, num=2):
        return torch.randint(0, 2 ** 31 - 1, (int(num), 2), generator=_stateless(seed), dtype=torch.int64)

    @staticmethod
    def stateless_fold_in(seed, data):
        s = _ints(seed)
        return torch.tensor([s[0], (s[1] * 1000003 + int(data)) % (2 ** 31 - 1)], dtype=torch.int64)


experimental = _Experimental()
