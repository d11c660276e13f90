"""Argument checks shared by layers, with Keras-style messages."""

import numbers


def positive_int(value, arg, layer):
    """Keras accepts only Python/numpy ints > 0 here (not "8", not 2.0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"Received an invalid value for `{arg}`, expected a positive integer. "
                         f"Received: {arg}={value!r} in {type(layer).__name__}.")
    return int(value)


def normalize_tuple(value, n, name, allow_zero=False):
    """An int or an iterable of n ints -> a tuple of n ints (Keras's conv argument rule)."""
    if isinstance(value, int):
        out = (value,) * n
    else:
        try:
            out = tuple(value)
        except TypeError:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {name}={value!r}") from None
        if len(out) != n or not all(isinstance(v, int) for v in out):
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {name}={value!r}")
    bad = [v for v in out if v < 0 or (v == 0 and not allow_zero)]
    if bad:
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers {req}. Received: {name}={value!r}")
    return out
