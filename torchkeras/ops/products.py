"""keras.ops.numpy products and series: tensordot, inner, vdot, kron, cross, correlate, trapezoid,
corrcoef, vander, slogdet; window functions; vectorize."""

import functools
import math as _math

import torch

from torchkeras.ops._common import float_input, floatx_dtype, op, promote, tensor


def _mm_pair(x1, x2):
    a, b = promote(x1, x2)
    if a.dtype == torch.bool:
        a, b = a.to(torch.int32), b.to(torch.int32)
    return a, b


@op
def tensordot(x1, x2, axes=2):
    a, b = _mm_pair(x1, x2)
    if isinstance(axes, (list, tuple)):
        axes = [list(ax) if isinstance(ax, (list, tuple)) else [int(ax)] for ax in axes]
    return torch.tensordot(a, b, dims=axes)


@op
def inner(x1, x2):
    a, b = _mm_pair(x1, x2)
    if a.dim() == 0 or b.dim() == 0:
        return a * b
    return torch.inner(a, b)


@op
def vdot(x1, x2):
    a, b = _mm_pair(x1, x2)
    return torch.sum(torch.conj(a.reshape(-1)) * b.reshape(-1)) if a.is_complex() else \
        torch.sum(a.reshape(-1) * b.reshape(-1))


@op
def kron(x1, x2):
    a, b = promote(x1, x2)
    return torch.kron(a, b)


@op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (2-vectors are padded with a zero z, as numpy)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = promote(x1, x2)
    a, b = torch.movedim(a, int(axisa), -1), torch.movedim(b, int(axisb), -1)
    for t in (a, b):
        if t.shape[-1] not in (2, 3):
            raise ValueError("Dimension of vectors for cross product must be 2 or 3. "
                             f"Received: x1.shape={tuple(a.shape)}, x2.shape={tuple(b.shape)}")
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    a = torch.nn.functional.pad(a, (0, 3 - a.shape[-1]))
    b = torch.nn.functional.pad(b, (0, 3 - b.shape[-1]))
    a, b = torch.broadcast_tensors(a, b)
    return torch.movedim(torch.linalg.cross(a, b, dim=-1), -1, int(axisc))


@op
def correlate(x1, x2, mode="valid"):
    """1-D cross-correlation of two vectors (numpy.correlate)."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"`mode` must be either `valid`, `same`, or `full`, but received: {mode}")
    a, b = promote(x1, x2, 1.0)[:2]
    if a.dim() != 1 or b.dim() != 1:
        raise ValueError(f"correlate takes 1-D vectors. Received: x1.shape={tuple(a.shape)}, "
                         f"x2.shape={tuple(b.shape)}")
    n, m = a.shape[0], b.shape[0]
    # Full correlation slides `b` over `a` zero-padded by m - 1 on both sides; the other modes are
    # centred slices of it (numpy's offsets, which depend on which input is shorter).
    full = torch.nn.functional.conv1d(torch.nn.functional.pad(a, (m - 1, m - 1)).reshape(1, 1, -1),
                                      b.reshape(1, 1, -1)).reshape(-1)
    k = min(n, m)
    if mode == "full":
        return full
    if mode == "valid":
        return full[k - 1:k - 1 + abs(n - m) + 1]
    start = (k - 1) // 2 if n >= m else k // 2
    return full[start:start + max(n, m)]


@op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = float_input(y)
    if x is None:
        return torch.trapezoid(y, dx=dx, dim=int(axis))
    return torch.trapezoid(y, promote(x, y)[0], dim=int(axis))


@op
def corrcoef(x):
    x = float_input(x)
    return torch.corrcoef(x)


@op
def vander(x, N=None, increasing=False):
    x = tensor(x)
    if x.dim() != 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: x.shape={tuple(x.shape)}")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError(f"Argument 'N' must be nonnegative. Received: N={N}")
    powers = torch.arange(n, device=x.device)
    if not increasing:
        powers = torch.flip(powers, (0,))
    return torch.pow(x.unsqueeze(-1), powers.to(x.dtype))


@op
def slogdet(x):
    x = float_input(x)
    sign, logabsdet = torch.linalg.slogdet(x)
    return sign, logabsdet


def _window(fn, name):
    def f(x):
        from torchkeras.ops._common import tensor as _t
        n = int(_t(x)) if not isinstance(x, int) else x
        return fn(n).to(floatx_dtype())
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The {name} window of `x` points (numpy.{name}, symmetric), in floatx."
    return f


def _cosine_sum(coeffs, n):
    if n == 1:
        return torch.ones(1, dtype=torch.float64)
    k = torch.arange(n, dtype=torch.float64) * (2 * _math.pi / (n - 1))
    return functools.reduce(lambda acc, t: acc + t,
                            (((-1) ** i) * c * torch.cos(i * k) for i, c in enumerate(coeffs)))


def _bartlett(n):
    if n == 1:
        return torch.ones(1, dtype=torch.float64)
    k = torch.arange(n, dtype=torch.float64)
    return 1 - torch.abs(2 * k / (n - 1) - 1)


bartlett = _window(_bartlett, "bartlett")
blackman = _window(lambda n: _cosine_sum((0.42, 0.5, 0.08), n).clamp(min=0) if n > 1 else torch.ones(1),
                   "blackman")
hamming = _window(lambda n: _cosine_sum((0.54, 0.46), n), "hamming")
hanning = _window(lambda n: _cosine_sum((0.5, 0.5), n), "hanning")


def kaiser(x, beta):
    n = int(tensor(x)) if not isinstance(x, int) else x
    if n == 1:
        return torch.ones(1, dtype=floatx_dtype())
    k = torch.arange(n, dtype=torch.float64)
    alpha = (n - 1) / 2.0
    arg = float(beta) * torch.sqrt(1 - ((k - alpha) / alpha) ** 2)
    return (torch.special.i0(arg) / torch.special.i0(torch.tensor(float(beta), dtype=torch.float64))).to(
        floatx_dtype())


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` mapped over the leading axis of its tensor arguments (torch.vmap)."""
    excluded = set(excluded or ())

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        keep = [i for i in range(len(args)) if i not in excluded]
        tensors = [tensor(args[i]) for i in keep]
        nd = max((t.dim() for t in tensors), default=0)
        tensors = [t.reshape((1,) * (nd - t.dim()) + tuple(t.shape)) for t in tensors]
        tensors = list(torch.broadcast_tensors(*tensors)) if tensors else tensors

        def call(*ts):
            full = list(args)
            for i, t in zip(keep, ts):
                full[i] = t
            return pyfunc(*full, **kwargs)
        fn = call
        for _ in range(nd):
            fn = torch.vmap(fn)
        return fn(*tensors)
    return wrapped
