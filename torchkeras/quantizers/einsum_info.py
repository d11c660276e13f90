"""Where EinsumDense's quantization scales live: the axes each einsum operand is reduced over, and how a
per-channel scale (kept dims) is moved so that it broadcasts against the einsum's output (Keras 3.15's
layout for `kernel_scale`, which its .keras files store)."""

import re
import string
from collections import namedtuple

import torch

QuantInfo = namedtuple("QuantInfo", [
    "input_reduced", "kernel_reduced", "input_transpose", "kernel_transpose", "input_expand", "kernel_expand",
    "input_squeeze", "kernel_squeeze", "grad_equation"])


def _full_specs(equation, ndim):
    """(input, kernel, output) letters with any "..." replaced by fresh letters for `ndim`-D inputs."""
    eq = re.sub(r"\.\.\.", "0", equation)
    m = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", eq)
    if m:
        return m.group(1), m.group(2), m.group(3)
    for pattern, left in (("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):
        m = re.match(pattern, eq)
        if m:
            ins, ws, outs = m.group(1), m.group(2), m.group(3)
            free = sorted(set(string.ascii_letters) - set(ins) - set(ws) - set(outs))
            for i in range(ndim - len(ins)):
                ins, outs = (free[i] + ins, free[i] + outs) if left else (ins + free[i], outs + free[i])
            return ins, ws, outs
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], "
                     "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def quantization_info(equation, ndim):
    ins, ws, outs = _full_specs(equation, ndim)
    in_red = [i for i, c in enumerate(ins) if c not in outs]
    w_red = [i for i, c in enumerate(ws) if c not in outs]
    in_exp = [i for i, c in enumerate(outs) if c not in ins]
    w_exp = [i for i, c in enumerate(outs) if c not in ws]
    in_tr = [ins.find(c) for c in outs if c in ins]
    w_tr = [ws.find(c) for c in outs if c in ws]
    # Keras places each reduced axis at the next free expand position; when none is left, the axis is
    # squeezed and its insert position is whatever index was computed last (Keras carries it over).
    last = outs.find(ws[-1]) if ws else -1
    in_sq, w_sq = [], []
    for red, exp, sq, tr in ((in_red, in_exp, in_sq, in_tr), (w_red, w_exp, w_sq, w_tr)):
        for axis in red:
            if exp:
                last = exp.pop(0)
            else:
                sq.append(axis)
            tr.insert(last, axis)
    return QuantInfo(in_red, w_red, in_tr, w_tr, in_exp, w_exp, in_sq, w_sq, f"{outs},{ws}->{ins}")


def _expand(x, axes):
    n = x.dim() + len(axes)
    for a in sorted(a % n for a in axes):
        x = x.unsqueeze(a)
    return x


def _squeeze(x, axes):
    for a in sorted((a % x.dim() for a in axes), reverse=True):
        x = x.squeeze(a)
    return x


def scale_for_output(scale, info, kind="kernel"):
    """A kept-dims abs-max scale of the kernel (or input) moved to broadcast against the output."""
    tr, exp, sq = ((info.kernel_transpose, info.kernel_expand, info.kernel_squeeze) if kind == "kernel"
                   else (info.input_transpose, info.input_expand, info.input_squeeze))
    if tr:
        scale = scale.permute(*tr)
    if exp:
        scale = _expand(scale, exp)
    if sq:
        scale = _squeeze(scale, sq)
    return scale


def scale_for_kernel(scale, info):
    """Inverse of scale_for_output: the stored kernel_scale back in the kernel's axis order."""
    if info.kernel_squeeze:
        scale = _expand(scale, info.kernel_squeeze)
    if info.kernel_expand:
        scale = _squeeze(scale, info.kernel_expand)
    if info.kernel_transpose:
        inverse = sorted(range(len(info.kernel_transpose)), key=info.kernel_transpose.__getitem__)
        scale = scale.permute(*inverse)
    return scale


def kernel_scale_shape(kernel_shape, info):
    shape = [1 if i in info.kernel_reduced else d for i, d in enumerate(kernel_shape)]
    shape = [shape[t] for t in info.kernel_transpose]
    for a in sorted(info.kernel_expand):
        shape.insert(a, 1)
    for a in sorted(info.kernel_squeeze, reverse=True):
        shape.pop(a)
    return tuple(shape)


def exact_int_einsum(equation, a, b, contracted):
    """einsum of integer-valued operands, exact as TF's int32 accumulation (see kernel_ops.int_matmul)."""
    from torchkeras.quantizers.kernel_ops import _EXACT_F32_TERMS
    dt = torch.float32 if contracted <= _EXACT_F32_TERMS else torch.float64
    return torch.einsum(equation, a.to(dt), b.to(dt)).to(torch.float32)
