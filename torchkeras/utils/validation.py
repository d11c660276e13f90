"""Argument checks shared by layers, with Keras-style messages."""

import numbers


def positive_int(value, arg, layer):
    """Keras accepts only Python/numpy ints > 0 here (not "8", not 2.0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"Received an invalid value for `{arg}`, expected a positive integer. "
                         f"Received: {arg}={value!r} in {type(layer).__name__}.")
    return int(value)


def normalize_tuple(value, n, name, allow_zero=False):
    """An int or an iterable of n ints -> a tuple of n ints (Keras's `standardize_tuple` rule for conv,
    pooling and resizing arguments: integral floats inside the iterable are accepted, as Keras does), with
    Keras's messages (its tests match them) followed by what to pass instead."""
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    req = ">= 0" if allow_zero else "> 0"
    hint = f". Pass an int or a tuple/list of {n} ints {req}."
    if isinstance(value, int) and not isinstance(value, bool):
        out = (value,) * n
    else:
        try:
            out = tuple(value)
        except TypeError:
            raise ValueError(msg + hint) from None
        if len(out) != n:
            raise ValueError(msg + hint)
        for v in out:
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or int(v) != v:
                raise ValueError(f"{msg}including element {v} of type {type(v)}{hint}")
        out = tuple(int(v) for v in out)
    bad = {v for v in out if v < 0 or (v == 0 and not allow_zero)}
    if bad:
        raise ValueError(f"{msg}, including values {bad} that do not satisfy `value {req}`{hint}")
    return out
