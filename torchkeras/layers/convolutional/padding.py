"""TF padding arithmetic shared by the conv and pooling layers (NUMERICS.md §3).

Everything here is pure integer arithmetic on Python ints; a spatial size of None (unknown) stays None.
"""

import torch.nn.functional as F


def normalize_padding(value, allow_causal=False, layer=None):
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        where = f" in {type(layer).__name__}" if layer is not None else ""
        raise ValueError(f"The `padding` argument must be one of {allowed}{where}. Received: padding={value!r}")
    return padding


def effective_kernel(k, d):
    return (k - 1) * d + 1


def same_split(n, k, s, d=1):
    """TF "same": (before, after) padding for one dim; the extra cell goes after (bottom/right)."""
    k_eff = effective_kernel(k, d)
    out = -(-n // s)
    total = max((out - 1) * s + k_eff - n, 0)
    return total // 2, total - total // 2


def output_length(n, k, s, d, padding):
    if n is None:
        return None
    if padding == "valid":
        return (n - effective_kernel(k, d)) // s + 1
    return -(-n // s)  # "same" and "causal"


def transpose_output_length(n, k, s, d, padding, output_padding):
    """Keras's ConvTranspose output length (TF backend)."""
    if n is None:
        return None
    k_eff = effective_kernel(k, d)
    if padding == "valid":
        op = max(k_eff, s) - k_eff if output_padding is None else output_padding
        return (n - 1) * s + k_eff + op
    if output_padding is None:
        return n * s
    return (n - 1) * s + k_eff % 2 + output_padding


def conv_padding(spatial, kernel, strides, dilation, padding):
    """Padding for a torch conv/pool over `spatial` sizes.

    Returns (sym, pad): `sym` is the per-dim symmetric padding given to the torch op; `pad` is None or
    an F.pad list (last dim first) for the asymmetric remainder. TF's split is asymmetric for even
    effective kernels and for many strided cases, which torch's own padding cannot express.
    """
    rank = len(spatial)
    if padding == "valid":
        return (0,) * rank, None
    if padding == "causal":
        left = effective_kernel(kernel[0], dilation[0]) - 1
        return (0,), ([left, 0] if left else None)
    splits = [same_split(n, k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    if all(b == a for b, a in splits):
        return tuple(b for b, _ in splits), None
    pad = []
    for b, a in reversed(splits):
        pad += [b, a]
    return (0,) * rank, pad


def apply_pad(x, pad, value=0.0):
    return x if pad is None else F.pad(x, pad, value=value)
