"""EinsumDense's shape analysis (Keras's kernel / bias / output shapes from the equation) and the plan
for running a plain trailing-axes contraction as one GEMM."""

import math
import re


def matmul_plan(equation, kernel_shape, bias_shape):
    """(n contracted axes, their size, output axes shape, bias fusable) when `equation` is
    `[...]free+contracted, contracted+out -> [...]free+out`; None for any other contraction."""
    eq = equation.replace(" ", "")
    m = re.fullmatch(r"(\.\.\.)?([a-zA-Z]*),([a-zA-Z]+)->(\.\.\.)?([a-zA-Z]*)", eq)
    if m is None or bool(m.group(1)) != bool(m.group(4)):
        return None
    ins, ws, outs = m.group(2), m.group(3), m.group(5)
    if len(set(ins)) != len(ins) or len(set(ws)) != len(ws) or len(set(outs)) != len(outs):
        return None
    contracted = [c for c in ws if c in ins and c not in outs]
    produced = [c for c in ws if c in outs and c not in ins]
    n_c = len(contracted)
    if not contracted or not produced or len(contracted) + len(produced) != len(ws):
        return None
    free = ins[:len(ins) - n_c]
    if ins[len(ins) - n_c:] != "".join(contracted) or outs != free + "".join(produced) \
            or ws != "".join(contracted) + "".join(produced) or any(c in ws for c in free):
        return None
    out_shape = tuple(kernel_shape[n_c:])
    fused = bias_shape is not None and tuple(bias_shape) == out_shape
    return n_c, math.prod(kernel_shape[:n_c]), out_shape, fused


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """Keras's shape analysis: (kernel_shape, bias_shape, full_output_shape, input_axes, output_axes)."""
    dot_replaced = re.sub(r"\.\.\.", "0", equation)
    split = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", dot_replaced)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape)
    split = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", dot_replaced)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape, left_elided=True)
    split = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", dot_replaced)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze_split_string(split, bias_axes, input_shape, output_shape, left_elided=False):
    input_spec, weight_spec, output_spec = split.group(1), split.group(2), split.group(3)
    elided = len(input_shape) - len(input_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        # Input letters index the input from its end; the output shape is already complete.
        input_dim_map = {dim: (i + elided) - len(input_shape) for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i + elided for i, dim in enumerate(output_spec)}
    else:
        input_dim_map = {dim: i for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i for i, dim in enumerate(output_spec)}
    for dim in input_spec:
        in_size = input_shape[input_dim_map[dim]]
        if dim in output_dim_map:
            out_size = output_shape[output_dim_map[dim]]
            if out_size is not None and out_size != in_size:
                raise ValueError(f"Input shape and output shape do not match at shared dimension '{dim}'. "
                                 f"Input shape is {in_size}, and output shape is {out_size}.")
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(f"Dimension '{dim}' was specified in the output '{output_spec}' but has no "
                             f"corresponding dim in the input spec '{input_spec}' or weight spec '{output_spec}'")
    weight_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[dim]])
            output_axes.append(i)
        elif dim in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[dim]])
            input_axes.append(i)
        else:
            raise ValueError(f"Weight dimension '{dim}' did not have a match in either the input spec "
                             f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the weight "
                             "must be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        offset = elided if left_elided else 0
        idx_map = {char: output_shape[i + offset] for i, char in enumerate(output_spec)}
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(f"Bias dimension '{char}' was requested, but is not part of the output spec "
                                 f"'{output_spec}'")
        first = min(output_spec.find(char) for char in bias_axes)
        # The bias broadcasts against the output's trailing axes: unbiased axes after the first
        # biased one (and any right-elided axes) get size 1.
        bias_shape = [idx_map[char] if char in bias_axes else 1 for char in output_spec[first:]]
        if not left_elided:
            bias_shape += [1] * max(elided, 0)
    return weight_shape, bias_shape, output_shape, input_axes, output_axes
