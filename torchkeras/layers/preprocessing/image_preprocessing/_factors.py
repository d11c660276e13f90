"""Factor-argument parsing shared by the geometric layers (Keras's per-layer `_set_factor`)."""


def two_sided_factor(factor, name, message, low_open=False):
    """A number f -> (-|f|, |f|); a pair -> sorted. Each value must lie in [-1, 1] ((-1, 1] if low_open)."""

    def check(v):
        if v > 1.0 or (v <= -1.0 if low_open else v < -1.0):
            raise ValueError(message + f"Received: input_number={v}")

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check(factor)
        return -abs(factor), abs(factor)
    raise ValueError(message + f"Received: {name}={factor}")


def bounded_factor(value, name, bounds=(0, 1)):
    """Keras's `_set_factor_by_name`: a number f -> (max(-|f|, low), |f|); a pair -> sorted."""
    lo_b, hi_b = bounds
    msg = (f"The `{name}` argument should be a number (or a list of two numbers) in the range [{lo_b}, {hi_b}]. "
           f"Received: factor={value}")
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or value[0] > hi_b or value[1] < lo_b:
            raise ValueError(msg)
        return tuple(sorted(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < lo_b or value > hi_b:
            raise ValueError(msg)
        return max(-abs(value), lo_b), abs(value)
    raise ValueError(msg)
