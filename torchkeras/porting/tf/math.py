"""tf.math: element-wise ops, comparisons and reductions with TensorFlow's dtype rules."""

import builtins

import torch

from torchkeras.porting.tf._core import (
    InvalidArgumentError,
    convert,
    namespace_getattr,
    require,
    unify,
)

__getattr__ = namespace_getattr("tf.math")

_FLOAT = ("float", "complex")
_ALLOWED_FLOAT = "bfloat16, half, float, double, complex64, complex128"
_ALLOWED_REAL = "bfloat16, half, float, double, int8, int16, int32, int64"


def _unary(op, fn, kinds=_FLOAT, allowed=_ALLOWED_FLOAT):
    def f(x, name=None):
        return fn(require(op, convert(x), kinds, allowed))
    f.__name__ = op.lower()
    return f


exp = _unary("Exp", torch.exp)
log = _unary("Log", torch.log)
sqrt = _unary("Sqrt", torch.sqrt)
rsqrt = _unary("Rsqrt", torch.rsqrt)
sin, cos, tan = _unary("Sin", torch.sin), _unary("Cos", torch.cos), _unary("Tan", torch.tan)
asin, acos, atan = _unary("Asin", torch.asin), _unary("Acos", torch.acos), _unary("Atan", torch.atan)
sinh, cosh, tanh = _unary("Sinh", torch.sinh), _unary("Cosh", torch.cosh), _unary("Tanh", torch.tanh)
asinh, acosh, atanh = _unary("Asinh", torch.asinh), _unary("Acosh", torch.acosh), _unary("Atanh", torch.atanh)
sigmoid = _unary("Sigmoid", torch.sigmoid)
log1p, expm1 = _unary("Log1p", torch.log1p), _unary("Expm1", torch.expm1)
erf, erfc = _unary("Erf", torch.erf, ("float",)), _unary("Erfc", torch.erfc, ("float",))
erfinv = _unary("Erfinv", torch.erfinv, ("float",))
lgamma, digamma = _unary("Lgamma", torch.lgamma, ("float",)), _unary("Digamma", torch.digamma, ("float",))
softplus = _unary("Softplus", lambda x: torch.nn.functional.softplus(x), ("float",))
log_sigmoid = _unary("LogSigmoid", torch.nn.functional.logsigmoid, ("float",))
floor = _unary("Floor", torch.floor, ("float",))
ceil = _unary("Ceil", torch.ceil, ("float",))
rint = _unary("Rint", torch.round, ("float",))
is_nan = _unary("IsNan", torch.isnan, ("float",))
is_inf = _unary("IsInf", torch.isinf, ("float",))
is_finite = _unary("IsFinite", torch.isfinite, ("float",))
abs = _unary("Abs", lambda x: torch.abs(x).real if x.is_complex() else torch.abs(x),
             ("float", "int", "complex"), _ALLOWED_REAL)
negative = _unary("Neg", torch.negative, ("float", "int", "complex"), _ALLOWED_REAL)
neg = negative
square = _unary("Square", torch.square, ("float", "int", "uint", "complex"))
sign = _unary("Sign", torch.sign, ("float", "int", "complex"), _ALLOWED_REAL)
reciprocal = _unary("Reciprocal", torch.reciprocal, ("float", "complex"))
inv = reciprocal
round = _unary("Round", torch.round, ("float", "int"), _ALLOWED_REAL)  # half to even, as TF
logical_not = _unary("LogicalNot", torch.logical_not, ("bool",), "bool")
real = _unary("Real", lambda x: x.real if x.is_complex() else x, ("float", "int", "complex"))
imag = _unary("Imag", lambda x: x.imag if x.is_complex() else torch.zeros_like(x), ("float", "complex"))
conj = _unary("Conj", torch.conj, ("float", "int", "complex"))
angle = _unary("Angle", torch.angle, ("float", "complex"))


def _binary(op, fn, kinds=("float", "int", "uint", "complex"), allowed=_ALLOWED_REAL):
    def f(x, y, name=None):
        a, b = unify(op, x, y)
        require(op, a, kinds, allowed)
        return fn(a, b)
    f.__name__ = op.lower()
    return f


add = _binary("AddV2", torch.add)
subtract = _binary("Sub", torch.subtract)
multiply = _binary("Mul", torch.multiply)
maximum = _binary("Maximum", torch.maximum, ("float", "int", "uint"))
minimum = _binary("Minimum", torch.minimum, ("float", "int", "uint"))
pow = _binary("Pow", torch.pow)
squared_difference = _binary("SquaredDifference", lambda a, b: torch.square(a - b))
floormod = _binary("FloorMod", torch.remainder, ("float", "int", "uint"))
mod = floormod
truncatemod = _binary("TruncateMod", torch.fmod, ("float", "int", "uint"))
atan2 = _binary("Atan2", torch.atan2, ("float",))
realdiv = _binary("RealDiv", torch.true_divide, ("float", "complex"))
xlogy = _binary("Xlogy", torch.xlogy, ("float", "complex"))
xdivy = _binary("Xdivy", lambda a, b: torch.where(a == 0, torch.zeros_like(a), a / b), ("float", "complex"))


def divide_no_nan(x, y, name=None):
    """x / y, 0 where y == 0; integers divide as floats, as TF's truediv."""
    a, b = unify("DivNoNan", x, y)
    if not (a.is_floating_point() or a.is_complex()):
        a, b = truediv(a, torch.ones_like(a)), truediv(b, torch.ones_like(b))
    safe = torch.where(b == 0, torch.ones_like(b), b)
    return torch.where(b == 0, torch.zeros_like(a), a / safe)


multiply_no_nan = _binary("MulNoNan", lambda a, b: torch.where(b == 0, torch.zeros_like(a), a * b),
                          ("float", "complex"))
equal = _binary("Equal", torch.eq, ("float", "int", "uint", "bool", "complex"))
not_equal = _binary("NotEqual", torch.ne, ("float", "int", "uint", "bool", "complex"))
greater = _binary("Greater", torch.gt, ("float", "int", "uint"))
greater_equal = _binary("GreaterEqual", torch.ge, ("float", "int", "uint"))
less = _binary("Less", torch.lt, ("float", "int", "uint"))
less_equal = _binary("LessEqual", torch.le, ("float", "int", "uint"))
logical_and = _binary("LogicalAnd", torch.logical_and, ("bool",), "bool")
logical_or = _binary("LogicalOr", torch.logical_or, ("bool",), "bool")
logical_xor = _binary("LogicalXor", torch.logical_xor, ("bool",), "bool")


def floordiv(x, y, name=None):
    a, b = unify("FloorDiv", x, y)
    return torch.floor(a / b) if a.is_floating_point() else torch.div(a, b, rounding_mode="floor")


def truediv(x, y, name=None):
    """TF's `/`: integers divide as floats (int8/int16 -> float32, int32/int64 -> float64)."""
    a, b = unify("RealDiv", x, y)
    if not (a.is_floating_point() or a.is_complex()):
        wide = a.dtype in (torch.int32, torch.int64, torch.uint32, torch.uint64)
        target = torch.float64 if wide else torch.float32
        a, b = a.to(target), b.to(target)
    return a / b


divide = truediv


def add_n(inputs, name=None):
    tensors = unify("AddN", *inputs)
    out = tensors[0]
    for t in tensors[1:]:
        out = out + t
    return out


def scalar_mul(scalar, x, name=None):
    return multiply(x, scalar)


# -- reductions --------------------------------------------------------------------------------
def _axes(x, axis):
    if axis is None:
        return tuple(range(x.dim()))
    if isinstance(axis, torch.Tensor):
        axis = axis.tolist()
    axes = (axis,) if isinstance(axis, int) else tuple(int(a) for a in axis)
    for a in axes:
        if not -builtins.max(x.dim(), 1) <= a < builtins.max(x.dim(), 1):
            raise InvalidArgumentError(f"Invalid reduction dimension ({a} for input with {x.dim()} dimension(s)")
    return tuple(sorted({a % x.dim() for a in axes})) if x.dim() else ()


def _reduce(op, fn, kinds, empty=None):
    def f(input_tensor, axis=None, keepdims=False, name=None):
        x = require(op, convert(input_tensor), kinds, _ALLOWED_REAL)
        axes = _axes(x, axis)
        if not axes:
            return x.clone()
        if x.numel() == 0 and empty is not None:
            shape = [1 if i in axes else d for i, d in enumerate(x.shape)] if keepdims else [
                d for i, d in enumerate(x.shape) if i not in axes]
            return torch.full(shape, empty(x.dtype), dtype=x.dtype)
        return fn(x, axes, keepdims)
    f.__name__ = "reduce_" + op.lower()
    return f


def _mean(x, axes, keepdims):
    if x.is_floating_point() or x.is_complex():
        return torch.mean(x, dim=axes, keepdim=keepdims)
    n = 1
    for a in axes:
        n *= x.shape[a]
    return torch.div(torch.sum(x, dim=axes, keepdim=keepdims), n, rounding_mode="trunc").to(x.dtype)


def _lowest(dtype):
    return float("-inf") if dtype.is_floating_point else torch.iinfo(dtype).min


def _highest(dtype):
    return float("inf") if dtype.is_floating_point else torch.iinfo(dtype).max


_NUM = ("float", "int", "uint", "complex")
reduce_sum = _reduce("Sum", lambda x, a, k: torch.sum(x, dim=a, keepdim=k, dtype=x.dtype), _NUM)
reduce_mean = _reduce("Mean", _mean, _NUM)
reduce_prod = _reduce("Prod", lambda x, a, k: _prod(x, a, k), _NUM)
reduce_max = _reduce("Max", lambda x, a, k: torch.amax(x, dim=a, keepdim=k), ("float", "int", "uint"), _lowest)
reduce_min = _reduce("Min", lambda x, a, k: torch.amin(x, dim=a, keepdim=k), ("float", "int", "uint"), _highest)
reduce_all = _reduce("All", lambda x, a, k: _all(x, a, k, torch.all), ("bool",))
reduce_any = _reduce("Any", lambda x, a, k: _all(x, a, k, torch.any), ("bool",))
reduce_variance = _reduce("Variance", lambda x, a, k: torch.var(x, dim=a, keepdim=k, correction=0), ("float",))
reduce_std = _reduce("Std", lambda x, a, k: torch.std(x, dim=a, keepdim=k, correction=0), ("float",))
reduce_logsumexp = _reduce("LogSumExp", lambda x, a, k: torch.logsumexp(x, dim=a, keepdim=k), ("float",))
reduce_euclidean_norm = _reduce(
    "EuclideanNorm", lambda x, a, k: torch.sqrt(torch.sum(x * x, dim=a, keepdim=k)).to(x.dtype)
    if x.is_floating_point() else torch.sqrt(torch.sum(x * x, dim=a, keepdim=k).double()).to(x.dtype), _NUM)


def _prod(x, axes, keepdims):
    for a in sorted(axes, reverse=True):
        x = torch.prod(x, dim=a, keepdim=keepdims, dtype=x.dtype)
    return x


def _all(x, axes, keepdims, fn):
    for a in sorted(axes, reverse=True):
        x = fn(x, dim=a, keepdim=keepdims)
    return x


def count_nonzero(input, axis=None, keepdims=None, dtype="int64", name=None):
    from torchkeras.porting.tf._core import torch_dtype
    x = convert(input)
    axes = _axes(x, axis)
    nz = (x != 0)
    out = torch.sum(nz, dim=axes, keepdim=bool(keepdims)) if axes else nz
    return out.to(torch_dtype(dtype))


def argmax(input, axis=None, output_type="int64", name=None):
    return _arg(torch.argmax, input, axis, output_type)


def argmin(input, axis=None, output_type="int64", name=None):
    return _arg(torch.argmin, input, axis, output_type)


def _arg(fn, input, axis, output_type):
    from torchkeras.porting.tf._core import torch_dtype
    x = convert(input)
    axis = 0 if axis is None else int(axis)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return fn(x, dim=axis).to(torch_dtype(output_type))


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    return _cum(torch.cumsum, convert(x), int(axis), exclusive, reverse, 0)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    return _cum(torch.cumprod, convert(x), int(axis), exclusive, reverse, 1)


def _cum(fn, x, axis, exclusive, reverse, identity):
    if reverse:
        x = torch.flip(x, (axis,))
    out = fn(x, dim=axis).to(x.dtype)
    if exclusive:
        pad = torch.full_like(x.narrow(axis, 0, 1), identity)
        out = torch.cat([pad, out.narrow(axis, 0, x.shape[axis] - 1)], dim=axis)
    return torch.flip(out, (axis,)) if reverse else out


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    x = convert(x)
    if reverse:
        x = torch.flip(x, (int(axis),))
    out = torch.logcumsumexp(x, dim=int(axis))
    return torch.flip(out, (int(axis),)) if reverse else out


def top_k(input, k=1, sorted=True, index_type="int32", name=None):
    from torchkeras.porting.tf._core import torch_dtype
    x = convert(input)
    values, indices = torch.topk(x, int(k), dim=-1, largest=True, sorted=True)
    return TopKV2(values, indices.to(torch_dtype(index_type)))


class TopKV2(tuple):
    """The (values, indices) namedtuple tf.math.top_k returns."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


def in_top_k(targets, predictions, k, name=None):
    p, t = convert(predictions), convert(targets).long()
    target_score = p.gather(1, t[:, None])
    return (p > target_score).sum(dim=1) < int(k)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    x = convert(x)
    axes = _axes(x, axis if axis is not None else dim)
    sq = torch.sum(x * x, dim=axes, keepdim=True) if axes else x * x
    return x * torch.rsqrt(torch.clamp(sq, min=epsilon))


def softmax(logits, axis=None, name=None):
    from torchkeras.porting.tf import nn
    return nn.softmax(logits, axis)


def log_softmax(logits, axis=None, name=None):
    from torchkeras.porting.tf import nn
    return nn.log_softmax(logits, axis)


def segment_sum(data, segment_ids, name=None):
    d, ids = convert(data), convert(segment_ids).long()
    n = int(ids.max()) + 1 if ids.numel() else 0
    return torch.zeros((n, *d.shape[1:]), dtype=d.dtype).index_add_(0, ids, d)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    d, ids = convert(data), convert(segment_ids).long()
    out = torch.zeros((int(num_segments), *d.shape[ids.dim():]), dtype=d.dtype)
    return out.index_add_(0, ids.reshape(-1), d.reshape(-1, *d.shape[ids.dim():]))


def segment_mean(data, segment_ids, name=None):
    sums = segment_sum(data, segment_ids)
    counts = segment_sum(torch.ones_like(convert(segment_ids), dtype=sums.dtype), segment_ids)
    return sums / counts.clamp(min=1).reshape(-1, *([1] * (sums.dim() - 1)))


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype="int32", name=None):
    from torchkeras.porting.tf._core import torch_dtype
    a = convert(arr).reshape(-1).long()
    w = None if weights is None else convert(weights).reshape(-1)
    out = torch.bincount(a, weights=w, minlength=int(minlength or 0))
    if maxlength is not None:
        out = out[:int(maxlength)]
    return out.to(torch_dtype(dtype) if w is None else w.dtype)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype="int32", name=None):
    from torchkeras.porting.tf._core import torch_dtype
    lab, pred = convert(labels).long().reshape(-1), convert(predictions).long().reshape(-1)
    n = int(num_classes) if num_classes is not None else int(builtins.max(lab.max(), pred.max())) + 1
    w = torch.ones_like(lab, dtype=torch.float64) if weights is None else convert(weights).double().reshape(-1)
    out = torch.zeros(n * n, dtype=torch.float64).index_add_(0, lab * n + pred, w)
    return out.reshape(n, n).to(torch_dtype(dtype))


def polyval(coeffs, x, name=None):
    x = convert(x)
    out = torch.zeros_like(x)
    for c in coeffs:
        out = out * x + convert(c)
    return out
