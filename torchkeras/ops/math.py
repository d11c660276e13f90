"""keras.ops element-wise math, comparisons and reductions (NumPy names and defaults)."""

import torch

from torchkeras.ops._common import axes, dtype_of, float_input, op, pair, tensor


def _unary(torch_fn, name, promote=True):
    def f(x):
        return torch_fn(float_input(x) if promote else tensor(x))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Element-wise `{name}` (as numpy.{name})."
    return op(f)


def _binary(torch_fn, name):
    def f(x1, x2):
        return torch_fn(*pair(x1, x2))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Element-wise `{name}` with NumPy broadcasting."
    return op(f)


sqrt = _unary(torch.sqrt, "sqrt")
rsqrt = _unary(torch.rsqrt, "rsqrt")
exp = _unary(torch.exp, "exp")
expm1 = _unary(torch.expm1, "expm1")
log = _unary(torch.log, "log")
log1p = _unary(torch.log1p, "log1p")
log2 = _unary(torch.log2, "log2")
log10 = _unary(torch.log10, "log10")
sin = _unary(torch.sin, "sin")
cos = _unary(torch.cos, "cos")
tan = _unary(torch.tan, "tan")
tanh = _unary(torch.tanh, "tanh")
erf = _unary(torch.erf, "erf")
reciprocal = _unary(torch.reciprocal, "reciprocal")
abs = _unary(torch.abs, "abs", promote=False)
absolute = abs
square = _unary(torch.square, "square", promote=False)
sign = _unary(torch.sign, "sign", promote=False)
negative = _unary(torch.neg, "negative", promote=False)
floor = _unary(torch.floor, "floor")
ceil = _unary(torch.ceil, "ceil")
isnan = _unary(torch.isnan, "isnan", promote=False)
isinf = _unary(torch.isinf, "isinf", promote=False)
isfinite = _unary(torch.isfinite, "isfinite", promote=False)
logical_not = _unary(torch.logical_not, "logical_not", promote=False)

def _unbool(a, b):
    """Bool operands in the pair's Keras result dtype (torch refuses `-` on bool tensors)."""
    if not (_is_bool(a) or _is_bool(b)):
        return a, b
    from torchkeras.ops._common import result_dtype
    dt = result_dtype(a, b)
    return tuple(t.to(dt) if isinstance(t, torch.Tensor) else t for t in (a, b))


def _is_bool(t):
    return isinstance(t, torch.Tensor) and t.dtype == torch.bool


add = _binary(torch.add, "add")
subtract = _binary(lambda a, b: torch.sub(*_unbool(a, b)), "subtract")
multiply = _binary(torch.mul, "multiply")
divide = _binary(torch.true_divide, "divide")
true_divide = divide
floor_divide = _binary(torch.floor_divide, "floor_divide")
mod = _binary(torch.remainder, "mod")
power = _binary(torch.pow, "power")
maximum = _binary(lambda a, b: torch.maximum(*_both(a, b)), "maximum")
minimum = _binary(lambda a, b: torch.minimum(*_both(a, b)), "minimum")
def _cmp(torch_fn):
    # torch's comparisons take a Python number second only: make a leading one a 0-d tensor.
    def f(a, b):
        if not isinstance(a, torch.Tensor):
            a = torch.as_tensor(a, device=b.device)
        return torch_fn(a, b)
    return f


equal = _binary(_cmp(torch.eq), "equal")
not_equal = _binary(_cmp(torch.ne), "not_equal")
greater = _binary(_cmp(torch.gt), "greater")
greater_equal = _binary(_cmp(torch.ge), "greater_equal")
less = _binary(_cmp(torch.lt), "less")
less_equal = _binary(_cmp(torch.le), "less_equal")
logical_and = _binary(lambda a, b: torch.logical_and(*_both(a, b)), "logical_and")
logical_or = _binary(lambda a, b: torch.logical_or(*_both(a, b)), "logical_or")
logical_xor = _binary(lambda a, b: torch.logical_xor(*_both(a, b)), "logical_xor")


def _both(a, b):
    # torch.maximum and the logical ops take tensors only: lift a scalar to the other's dtype.
    if not isinstance(a, torch.Tensor):
        a = torch.as_tensor(a, dtype=torch.result_type(b, a), device=b.device)
    if not isinstance(b, torch.Tensor):
        b = torch.as_tensor(b, dtype=torch.result_type(a, b), device=a.device)
    return a, b


@op
def round(x, decimals=0):
    x = tensor(x)
    if not x.is_floating_point():
        # Integers round to themselves, or to multiples of 10**-decimals for negative decimals.
        if decimals >= 0:
            return x.clone()
        scale = 10 ** (-decimals)
        return (torch.round(x.to(torch.float64) / scale) * scale).to(x.dtype)
    return torch.round(x, decimals=decimals)


@op
def clip(x, x_min, x_max):
    return torch.clamp(tensor(x), x_min, x_max)


@op
def matmul(x1, x2):
    from torchkeras.ops._common import result_dtype
    a, b = tensor(x1), tensor(x2)
    b = b.to(a.device)
    if a.dtype == torch.int8 and b.dtype == torch.int8:
        out_dtype = compute = torch.int32  # Keras: int8 x int8 gives int32
    else:
        # Keras computes in the pair's floating type and casts back to their result type.
        out_dtype = result_dtype(a, b)
        compute = out_dtype if (out_dtype.is_floating_point or out_dtype.is_complex) else result_dtype(a, b, 1.0)
    return torch.matmul(a.to(compute), b.to(compute)).to(out_dtype)


@op
def dot(x1, x2):
    from torchkeras.ops._common import result_dtype
    a, b = tensor(x1), tensor(x2)  # Keras converts first: Python scalars are not weak here
    b = b.to(a.device)
    out_dtype = result_dtype(a, b)
    # Keras computes in the floating type of the result (TF has no integer matmul kernels), then casts.
    compute = out_dtype if (out_dtype.is_floating_point or out_dtype.is_complex) else result_dtype(a, b, 1.0)
    a, b = a.to(compute), b.to(compute)
    if a.dim() == 0 or b.dim() == 0:
        out = torch.mul(a, b)
    elif b.dim() <= 2:
        out = torch.matmul(a, b)
    else:
        # numpy.dot: sum over the last axis of a and the second-to-last of b.
        out = torch.tensordot(a, b, dims=([-1], [-2]))
    return out.to(out_dtype)


@op
def outer(x1, x2):
    a, b = pair(x1, x2)
    a, b = [t if isinstance(t, torch.Tensor) else tensor(t) for t in (a, b)]
    if a.dtype != b.dtype:
        from torchkeras.ops._common import promote
        a, b = promote(a, b)
    return torch.outer(a.reshape(-1), b.reshape(-1))


@op
def einsum(subscripts, *operands, **kwargs):
    from torchkeras.ops._common import promote, result_dtype
    ts = promote(*operands)
    if {result_dtype(o) for o in operands} == {torch.int8}:
        # Keras accumulates int8 products in int32 (and returns int32).
        ts = [t.to(torch.int32) for t in ts]
    return torch.einsum(subscripts, *ts)


def _all_dims(x, axis):
    axis = axes(axis)
    if axis is None:
        return tuple(range(x.dim()))
    return axis if isinstance(axis, tuple) else (axis,)


def _acc_dtype(dt):
    """Keras accumulates narrow ints (and bools) of sums and products in 32 bits."""
    if dt in (torch.bool, torch.int8, torch.int16):
        return torch.int32
    if dt in (torch.uint8, torch.uint16):
        return torch.uint32
    return dt


def _widen(x):
    # torch has few uint32 kernels: accumulate small ints in int64, cast back after.
    return x.to(torch.int64) if not (x.is_floating_point() or x.is_complex()) else x


@op
def sum(x, axis=None, keepdims=False):
    x = tensor(x)
    if x.dtype == torch.float32 or x.dtype == torch.int32:
        return torch.sum(x, dim=_all_dims(x, axis), keepdim=keepdims)
    return torch.sum(_widen(x), dim=_all_dims(x, axis), keepdim=keepdims).to(_acc_dtype(x.dtype))


@op
def prod(x, axis=None, keepdims=False, dtype=None):
    x = tensor(x)
    out = _widen(x)
    for d in sorted(_all_dims(x, axis), reverse=True):
        out = torch.prod(out, dim=d, keepdim=keepdims)
    return out.to(dtype_of(dtype) or _acc_dtype(x.dtype))


@op
def mean(x, axis=None, keepdims=False):
    x = float_input(x)
    return torch.mean(x, dim=_all_dims(x, axis), keepdim=keepdims)


@op
def var(x, axis=None, keepdims=False):
    x = float_input(x)
    return torch.var(x, dim=_all_dims(x, axis), keepdim=keepdims, correction=0)


@op
def std(x, axis=None, keepdims=False):
    x = float_input(x)
    return torch.std(x, dim=_all_dims(x, axis), keepdim=keepdims, correction=0)


@op
def max(x, axis=None, keepdims=False, initial=None):
    x = tensor(x)
    if axis == ():  # numpy: an empty axis tuple reduces nothing
        return x.clone() if initial is None else torch.clamp(x, min=initial)
    out = torch.amax(x, dim=_all_dims(x, axis), keepdim=keepdims)
    return out if initial is None else torch.clamp(out, min=initial)


@op
def min(x, axis=None, keepdims=False, initial=None):
    x = tensor(x)
    if axis == ():
        return x.clone() if initial is None else torch.clamp(x, max=initial)
    out = torch.amin(x, dim=_all_dims(x, axis), keepdim=keepdims)
    return out if initial is None else torch.clamp(out, max=initial)


amax, amin = max, min


@op
def all(x, axis=None, keepdims=False):
    x = tensor(x).bool()
    return torch.all(x, dim=_all_dims(x, axis), keepdim=keepdims)


@op
def any(x, axis=None, keepdims=False):
    x = tensor(x).bool()
    return torch.any(x, dim=_all_dims(x, axis), keepdim=keepdims)


@op
def logsumexp(x, axis=None, keepdims=False):
    x = float_input(x)
    return torch.logsumexp(x, dim=_all_dims(x, axis), keepdim=keepdims)


@op
def count_nonzero(x, axis=None):
    x = tensor(x)
    return torch.count_nonzero(x, dim=_all_dims(x, axis)).to(torch.int32)


def _arg(torch_fn, name):
    def f(x, axis=None, keepdims=False):
        x = tensor(x)
        if x.dtype == torch.bool:  # torch has no bool argmax; the order of False < True is the same
            x = x.to(torch.uint8)
        if axis is None:
            out = torch_fn(x.reshape(-1))
            return (out.reshape((1,) * x.dim()) if keepdims else out).to(torch.int32)
        return torch_fn(x, dim=int(axis), keepdim=keepdims).to(torch.int32)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Indices of the {name[3:]} values along `axis` (int32, as Keras); the flat index when axis=None."
    return op(f)


argmax = _arg(torch.argmax, "argmax")
argmin = _arg(torch.argmin, "argmin")


@op
def cumsum(x, axis=None, dtype=None):
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.cumsum(_widen(x), dim=int(axis)).to(dtype_of(dtype) or _cum_dtype(x.dtype))


@op
def cumprod(x, axis=None, dtype=None):
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.cumprod(_widen(x), dim=int(axis)).to(dtype_of(dtype) or _cum_dtype(x.dtype))


def _cum_dtype(dt):
    # Running sums keep the input dtype (as Keras), except that bools count in int32.
    return torch.int32 if dt == torch.bool else dt
