"""tf.linalg on torch.linalg (TF's argument names and output order, e.g. svd -> (s, u, v))."""

import torch

from torchkeras.porting.tf._core import convert, namespace_getattr, unify
from torchkeras.porting.tf.array_ops import eye  # noqa: F401
from torchkeras.porting.tf.array_ops2 import einsum, matmul, norm, tensordot  # noqa: F401
from torchkeras.porting.tf.math import l2_normalize  # noqa: F401
from torchkeras.porting.tf.tape import global_norm  # noqa: F401

__getattr__ = namespace_getattr("tf.linalg")


def inv(input, adjoint=False, name=None):
    x = convert(input)
    return torch.linalg.inv(x.mH if adjoint else x)


def det(input, name=None):
    return torch.linalg.det(convert(input))


def slogdet(input, name=None):
    sign, logabs = torch.linalg.slogdet(convert(input))
    return sign, logabs


def logdet(matrix, name=None):
    return 2 * torch.sum(torch.log(torch.diagonal(torch.linalg.cholesky(convert(matrix)), dim1=-2, dim2=-1)), -1)


def cholesky(input, name=None):
    return torch.linalg.cholesky(convert(input))


def qr(input, full_matrices=False, name=None):
    return torch.linalg.qr(convert(input), mode="complete" if full_matrices else "reduced")


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    x = convert(tensor)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    u, s, vh = torch.linalg.svd(x, full_matrices=full_matrices)
    return s, u, vh.mH


def eigh(tensor, name=None):
    return torch.linalg.eigh(convert(tensor))


def eigvalsh(tensor, name=None):
    return torch.linalg.eigvalsh(convert(tensor))


def solve(matrix, rhs, adjoint=False, name=None):
    a, b = unify("MatrixSolve", matrix, rhs)
    return torch.linalg.solve(a.mH if adjoint else a, b)


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    a, b = unify("MatrixTriangularSolve", matrix, rhs)
    if adjoint:
        a, lower = a.mH, not lower
    return torch.linalg.solve_triangular(a, b, upper=not lower)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    a, b = unify("MatrixSolveLs", matrix, rhs)
    if l2_regularizer:
        n = a.shape[-1]
        gram = a.mH @ a + l2_regularizer * torch.eye(n, dtype=a.dtype)
        return torch.linalg.solve(gram, a.mH @ b)
    return torch.linalg.lstsq(a, b).solution


def pinv(a, rcond=None, validate_args=False, name=None):
    return torch.linalg.pinv(convert(a), rtol=rcond)


def trace(x, name=None):
    return torch.diagonal(convert(x), dim1=-2, dim2=-1).sum(-1)


def diag(diagonal, name=None, k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"):
    return torch.diag_embed(convert(diagonal), offset=int(k))


def diag_part(input, name=None, k=0, padding_value=0, align="RIGHT_LEFT"):
    return torch.diagonal(convert(input), offset=int(k), dim1=-2, dim2=-1)


def set_diag(input, diagonal, name=None, k=0, align="RIGHT_LEFT"):
    x, d = unify("MatrixSetDiag", input, diagonal)
    out = x.clone()
    torch.diagonal(out, offset=int(k), dim1=-2, dim2=-1).copy_(d)
    return out


def band_part(input, num_lower, num_upper, name=None):
    x = convert(input)
    m, n = x.shape[-2], x.shape[-1]
    i = torch.arange(m).unsqueeze(-1)
    j = torch.arange(n).unsqueeze(0)
    lower, upper = int(num_lower), int(num_upper)
    keep = ((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper))
    return torch.where(keep, x, torch.zeros_like(x))


def matrix_transpose(a, name=None, conjugate=False):
    x = convert(a).transpose(-1, -2)
    return x.conj() if conjugate else x


adjoint = lambda matrix, name=None: convert(matrix).mH  # noqa: E731
transpose = matrix_transpose


def matvec(a, b, transpose_a=False, adjoint_a=False, name=None):
    x, v = unify("MatMul", a, b)
    if transpose_a or adjoint_a:
        x = x.mH if adjoint_a else x.transpose(-1, -2)
    return torch.matmul(x, v.unsqueeze(-1)).squeeze(-1)


def cross(a, b, name=None):
    x, y = unify("Cross", a, b)
    return torch.linalg.cross(x, y)


def expm(input, name=None):
    return torch.linalg.matrix_exp(convert(input))


def normalize(tensor, ord="euclidean", axis=None, name=None):
    x = convert(tensor)
    n = norm(x, ord=ord, axis=axis, keepdims=True)
    return x / n, n
