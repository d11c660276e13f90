"""keras.ops.linalg: torch.linalg with Keras's signatures, dtypes and conventions (TF backend's pivots,
tolerances and norms)."""

import torch

from torchkeras.ops._common import float_input, op, promote, tensor

__all__ = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
           "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd"]


class _AxisError(ValueError, IndexError, RuntimeError):
    """Out-of-range axis: a ValueError as Keras documents, and the IndexError or RuntimeError that
    torch itself raises (Keras's torch-backend tests expect either, depending on `ord`)."""


class _OrdError(ValueError, RuntimeError):
    """Invalid `ord`/axis combination: a ValueError as Keras documents, and torch's RuntimeError."""


def _square(x, name):
    if x.dim() < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"Input `{name}` must be a square matrix (or a batch of them). Received: "
                         f"{name}.shape={tuple(x.shape)}")
    return x


@op
def cholesky(x, upper=False):
    x = _square(float_input(x), "x")
    out, info = torch.linalg.cholesky_ex(x, upper=upper)
    if bool(torch.any(info != 0)):
        raise ValueError("Cholesky decomposition failed. The input might not be a valid positive definite "
                         "matrix.")
    return out


@op
def cholesky_inverse(x, upper=False):
    """inv(L @ L^T) from the Cholesky factor L (or U^T @ U when `upper`)."""
    return torch.cholesky_inverse(_square(float_input(x), "x"), upper=upper)


@op
def det(x):
    return torch.linalg.det(_square(float_input(x), "x"))


@op
def eig(x):
    return tuple(torch.linalg.eig(_square(float_input(x), "x")))


@op
def eigh(x):
    return tuple(torch.linalg.eigh(_square(float_input(x), "x")))


@op
def inv(x):
    return torch.linalg.inv(_square(float_input(x), "x"))


@op
def lu_factor(x):
    """(LU, permutation): row i of `x` is row perm[i] of the pivoted product (TF's convention, not
    LAPACK's swap list)."""
    x = float_input(x)
    lu, pivots = torch.linalg.lu_factor(x)
    p, _, _ = torch.lu_unpack(lu, pivots, unpack_data=False)
    # p maps LU rows back to x (x = p @ L @ U); TF returns where each row of x went.
    perm = torch.argmax(p.transpose(-1, -2), dim=-1)
    return lu, torch.argsort(perm, dim=-1).to(torch.int32)


@op
def norm(x, ord=None, axis=None, keepdims=False):
    x = float_input(x)
    nd = x.dim()
    if axis is None:
        axis = tuple(range(nd))
    elif isinstance(axis, int):
        axis = (axis,)
    axis = tuple(axis)
    if any(a < -nd or a >= nd for a in axis):
        raise _AxisError("All `axis` values must be in the range [-ndim, ndim). "
                         f"Received inputs with ndim={nd}, while axis={axis}")
    if len(axis) == 1:
        if isinstance(ord, str):
            raise _OrdError(f"Invalid `ord` argument for vector norm. Received: ord={ord}")
        return torch.linalg.vector_norm(x, ord=2 if ord is None else ord, dim=axis, keepdim=keepdims)
    if len(axis) == 2:
        if ord is None:
            ord = "fro"
        if ord not in ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")):
            raise _OrdError(f"Invalid `ord` argument for matrix norm. Received: ord={ord}")
        return torch.linalg.matrix_norm(x, ord=ord, dim=axis, keepdim=keepdims)
    raise _OrdError(f"Invalid axis values. Received: axis={axis}")


@op
def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` argument value not supported. Expected one of {{'reduced', 'complete'}}. "
                         f"Received: mode={mode}")
    x = float_input(x)
    if x.dim() < 2:
        raise ValueError(f"Input `x` must have at least 2 dimensions. Received: x.shape={tuple(x.shape)}")
    return tuple(torch.linalg.qr(x, mode=mode))


@op
def solve(a, b):
    a, b = promote(a, b, 1.0)[:2]
    return torch.linalg.solve(_square(a, "a"), b)


@op
def solve_triangular(a, b, lower=False):
    a, b = promote(a, b, 1.0)[:2]
    vector = b.dim() == a.dim() - 1
    out = torch.linalg.solve_triangular(_square(a, "a"), b.unsqueeze(-1) if vector else b, upper=not lower)
    return out.squeeze(-1) if vector else out


@op
def svd(x, full_matrices=True, compute_uv=True):
    x = float_input(x)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return tuple(torch.linalg.svd(x, full_matrices=full_matrices))


@op
def lstsq(a, b, rcond=None):
    """Least-squares solution via the SVD, dropping singular values below rcond * s_max."""
    a, b = promote(a, b, 1.0)[:2]
    if a.shape[0] != b.shape[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    if a.dim() != 2:
        raise TypeError(f"{a.dim()}-dimensional array given. Array must be two-dimensional")
    vector = b.dim() == 1
    if vector:
        b = b[:, None]
    if b.dim() != 2:
        raise TypeError(f"{b.dim()}-dimensional array given. Array must be one or two-dimensional")
    m, n = a.shape
    eps = torch.finfo(a.dtype).eps
    rcond = eps * max(m, n) if rcond is None else (eps if rcond < 0 else rcond)
    u, s, vh = torch.linalg.svd(a, full_matrices=False)
    keep = s >= rcond * s[0]
    inv_s = torch.where(keep, 1.0 / torch.where(keep, s, torch.ones_like(s)), torch.zeros_like(s))
    x = vh.transpose(-1, -2) @ (inv_s[:, None] * (u.transpose(-1, -2) @ b))
    return x[:, 0] if vector else x


@op
def matrix_rank(x, tol=None):
    x = float_input(x)
    if tol is None:
        return torch.linalg.matrix_rank(x).to(torch.int32)
    return torch.linalg.matrix_rank(x, atol=float(tol), rtol=0.0).to(torch.int32)


@op
def pinv(x, rcond=None):
    """Pseudo-inverse; singular values below rcond * s_max are dropped (TF's default rcond:
    10 * max(m, n) * eps)."""
    x = float_input(x)
    if rcond is None:
        rcond = 10.0 * max(x.shape[-2:]) * torch.finfo(x.dtype).eps
    return torch.linalg.pinv(x, rtol=float(rcond))


def jvp(fun, primals, tangents, has_aux=False):
    """(outputs, Jacobian-vector products) of `fun` at `primals` along `tangents` (forward mode)."""
    import warnings
    primals = tuple(tensor(p) for p in primals)
    tangents = tuple(tensor(t).to(p.dtype) for t, p in zip(tangents, primals))
    with warnings.catch_warnings():
        # torch's first forward-mode call scripts its decompositions and warns that torch.jit is deprecated.
        warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
        return torch.func.jvp(fun, primals, tangents, has_aux=has_aux)
