"""More keras.ops.numpy element-wise functions: trigonometry, bitwise, complex parts, float tests."""

import torch

from torchkeras.ops._common import float_input, floatx_dtype, op, promote, tensor


def _unary(torch_fn, name):
    def f(x):
        return torch_fn(float_input(x))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Element-wise `{name}` (as numpy.{name}); integer inputs compute in floatx."
    return op(f)


arccos = _unary(torch.arccos, "arccos")
arccosh = _unary(torch.arccosh, "arccosh")
arcsin = _unary(torch.arcsin, "arcsin")
arcsinh = _unary(torch.arcsinh, "arcsinh")
arctan = _unary(torch.arctan, "arctan")
arctanh = _unary(torch.arctanh, "arctanh")
cosh = _unary(torch.cosh, "cosh")
sinh = _unary(torch.sinh, "sinh")
exp2 = _unary(torch.exp2, "exp2")
fabs = _unary(torch.abs, "fabs")
deg2rad = _unary(torch.deg2rad, "deg2rad")
rad2deg = _unary(torch.rad2deg, "rad2deg")
i0 = _unary(lambda x: torch.special.i0(x.float()).to(x.dtype) if x.dtype in (torch.float16, torch.bfloat16)
            else torch.special.i0(x), "i0")
erfc = _unary(torch.special.erfc, "erfc")
erfinv = _unary(torch.special.erfinv, "erfinv")


@op
def cbrt(x):
    x = float_input(x)
    return torch.sign(x) * torch.pow(torch.abs(x), 1.0 / 3.0)


@op
def sinc(x):
    return torch.sinc(float_input(x))


@op
def trunc(x):
    x = tensor(x)
    return torch.trunc(x) if x.is_floating_point() else x.clone()


@op
def signbit(x):
    x = tensor(x)
    if x.dtype == torch.bool:
        return torch.zeros_like(x)
    return torch.signbit(x) if x.is_floating_point() else x < 0


@op
def isneginf(x):
    x = tensor(x)
    return torch.isneginf(x) if x.is_floating_point() else torch.zeros_like(x, dtype=torch.bool)


@op
def isposinf(x):
    x = tensor(x)
    return torch.isposinf(x) if x.is_floating_point() else torch.zeros_like(x, dtype=torch.bool)


@op
def isreal(x):
    x = tensor(x)
    return x.imag == 0 if x.is_complex() else torch.ones_like(x, dtype=torch.bool)


@op
def real(x):
    x = tensor(x)
    return torch.real(x) if x.is_complex() else x


@op
def imag(x):
    x = tensor(x)
    return torch.imag(x) if x.is_complex() else torch.zeros_like(x)


@op
def conjugate(x):
    x = tensor(x)
    return torch.conj(x).resolve_conj() if x.is_complex() else x


conj = conjugate


@op
def angle(x):
    x = tensor(x)
    if not (x.is_complex() or x.is_floating_point()):
        x = x.to(floatx_dtype())
    return torch.angle(x)


def _float_pair(x1, x2):
    a, b = promote(x1, x2, 1.0)[:2]
    return a, b


def _binary(torch_fn, name, floats=False):
    def f(x1, x2):
        a, b = _float_pair(x1, x2) if floats else promote(x1, x2)
        return torch_fn(a, b)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Element-wise `{name}` with NumPy broadcasting (Keras dtype promotion)."
    return op(f)


arctan2 = _binary(torch.atan2, "arctan2", floats=True)
hypot = _binary(torch.hypot, "hypot", floats=True)
logaddexp = _binary(torch.logaddexp, "logaddexp", floats=True)
logaddexp2 = _binary(torch.logaddexp2, "logaddexp2", floats=True)
nextafter = _binary(lambda a, b: torch.nextafter(a.double(), b.double()).to(a.dtype), "nextafter", floats=True)
fmax = _binary(torch.fmax, "fmax")
fmin = _binary(torch.fmin, "fmin")
fmod = _binary(torch.fmod, "fmod")
bitwise_and = _binary(torch.bitwise_and, "bitwise_and")
bitwise_or = _binary(torch.bitwise_or, "bitwise_or")
bitwise_xor = _binary(torch.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _binary(torch.bitwise_left_shift, "bitwise_left_shift")
bitwise_right_shift = _binary(torch.bitwise_right_shift, "bitwise_right_shift")
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift
gcd = _binary(torch.gcd, "gcd")
lcm = _binary(torch.lcm, "lcm")


@op
def bitwise_invert(x):
    return torch.bitwise_not(tensor(x))


bitwise_not = bitwise_invert


@op
def divide_no_nan(x1, x2):
    """x1 / x2, with 0 wherever x2 == 0."""
    a, b = _float_pair(x1, x2)
    safe = torch.where(b == 0, torch.ones_like(b), b)
    return torch.where(b == 0, torch.zeros_like(a / safe), a / safe)


@op
def heaviside(x1, x2):
    a, b = promote(x1, x2)
    if not a.is_floating_point():
        dt = torch.float64 if a.dtype == torch.int64 else floatx_dtype()
        a, b = a.to(dt), b.to(dt)
    return torch.heaviside(a, b)


@op
def ldexp(x1, x2):
    x2 = tensor(x2)
    if x2.is_floating_point():
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype={str(x2.dtype)[6:]}")
    a = float_input(x1)
    return (a * torch.pow(torch.tensor(2.0, dtype=torch.float64, device=a.device), x2)).to(a.dtype)


@op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    a, b = promote(x1, x2)
    return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


@op
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    a, b = promote(x1, x2)
    return torch.all(torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = tensor(x)
    if not x.is_floating_point():
        return x
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

