"""tf.debugging: assertions checked eagerly (raising InvalidArgumentError as TF does)."""

import torch

from torchkeras.porting.tf._core import InvalidArgumentError, convert, namespace_getattr

__getattr__ = namespace_getattr("tf.debugging")


def _check(ok, message, default):
    if not bool(torch.all(convert(ok))):
        raise InvalidArgumentError(message or default)


def assert_equal(x, y, message=None, summarize=None, name=None):
    _check(convert(x) == convert(y), message, "Condition x == y did not hold element-wise.")


def assert_none_equal(x, y, message=None, summarize=None, name=None):
    _check(convert(x) != convert(y), message, "Condition x != y did not hold for every single element.")


def assert_greater(x, y, message=None, summarize=None, name=None):
    _check(convert(x) > convert(y), message, "Condition x > y did not hold element-wise.")


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    _check(convert(x) >= convert(y), message, "Condition x >= y did not hold element-wise.")


def assert_less(x, y, message=None, summarize=None, name=None):
    _check(convert(x) < convert(y), message, "Condition x < y did not hold element-wise.")


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    _check(convert(x) <= convert(y), message, "Condition x <= y did not hold element-wise.")


def assert_positive(x, message=None, summarize=None, name=None):
    _check(convert(x) > 0, message, "Condition x > 0 did not hold element-wise.")


def assert_non_negative(x, message=None, summarize=None, name=None):
    _check(convert(x) >= 0, message, "Condition x >= 0 did not hold element-wise.")


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    a, b = convert(x), convert(y)
    eps = torch.finfo(a.dtype).eps if a.is_floating_point() else 0
    _check(torch.abs(a - b) <= (atol if atol is not None else 10 * eps) + (rtol if rtol is not None else 10 * eps)
           * torch.abs(b), message, "x and y not equal to tolerance rtol, atol")


def assert_rank(x, rank, message=None, name=None):
    if convert(x).dim() != int(rank):
        raise ValueError(message or f"Tensor must have rank {int(rank)}. Received rank {convert(x).dim()}, shape "
                                    f"{tuple(convert(x).shape)}")


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    sizes = {}
    for x, spec in shapes:
        shape = tuple(convert(x).shape)
        if len(spec) != len(shape):
            raise ValueError(message or f"Specified by tensor shape {shape}: rank must be {len(spec)}")
        for d, s in zip(shape, spec):
            if isinstance(s, int) and d != s or isinstance(s, str) and sizes.setdefault(s, d) != d:
                raise ValueError(message or f"Specified by tensor shape {shape}: dimension must be {s}")


def assert_type(tensor, tf_type, message=None, name=None):
    from torchkeras.porting.tf._core import dtype_of
    if dtype_of(tensor) != tf_type:
        raise TypeError(message or f"{tensor!r} must be of type {tf_type!r}; got {dtype_of(tensor)!r}")


def assert_all_finite(t, message, name=None):
    _check(torch.isfinite(convert(t)), message, "Tensor had Inf or NaN values")


check_numerics = assert_all_finite


def Assert(condition, data, summarize=None, name=None):
    _check(condition, None, "assertion failed: " + str([str(d) for d in data]))


def set_log_device_placement(enabled):
    """Accepted; torch logs no placement."""


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    torch.autograd.set_detect_anomaly(True)


def disable_check_numerics():
    torch.autograd.set_detect_anomaly(False)


def is_numeric_tensor(tensor):
    return isinstance(tensor, torch.Tensor)
