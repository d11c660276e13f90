"""EinsumDense: `activation(einsum(equation, inputs, kernel) + bias)` with Keras's kernel/bias shapes."""

import math
import re

import torch
import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


class EinsumDense(Layer):
    """A dense layer whose contraction is any einsum equation Keras accepts.

    Args:
        equation: `"ab,bc->ac"`, `"...ab,bc->...ac"` or `"ab...,bc->ac..."` style equation: the
            input's axes, the kernel's axes and the output's axes.
        output_shape: output shape without the batch axis (and the axes covered by "..."); an int
            for one axis, None entries for axes known from the input.
        activation: activation name or callable; default None (linear).
        bias_axes: output letters that get a bias (None: no bias).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: as Keras.

    Weights: `kernel` (shape from the equation, as Keras computes it) and `bias`, in Keras layout.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise TypeError(f"`equation` must be a string such as 'ab,bc->ac'. Received: equation={equation!r}")
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = (output_shape,)
        else:
            try:
                self.partial_output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"`output_shape` must be an int or a tuple/list of ints (None for unknown axes). "
                                 f"Received: output_shape={output_shape!r}") from None
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise TypeError(f"`bias_axes` must be a string of output letters or None. Received: bias_axes={bias_axes!r}")
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if lora_rank or quantization_config or gptq_unpacked_column_size:
            raise ValueError(f"EinsumDense {self.name!r}: LoRA and quantization are not supported by torchkeras yet; "
                             "pass lora_rank=None and quantization_config=None.")
        self.lora_rank = None
        self.lora_alpha = None
        self.lora_enabled = False
        self.quantization_config = None
        self.bias = None
        self._matmul_plan = None
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def _kernel_initializer_for(self, input_axes, output_axes):
        # As Keras: a fan-based initializer sees the kernel's true input/output axes, not conv fans.
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (init.input_axes is None or init.output_axes is None):
            cfg = dict(init.get_config(), input_axes=input_axes, output_axes=output_axes)
            return type(init)(**cfg)
        return init

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        kernel_shape, bias_shape, _, input_axes, output_axes = _analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError(f"EinsumDense {self.name!r}: the kernel shape {tuple(kernel_shape)} derived from "
                             f"equation {self.equation!r}, input shape {input_shape} and output_shape "
                             f"{self.partial_output_shape} has unknown axes; give those axes in `output_shape` "
                             "or in the input shape.")
        self.input_spec = InputSpec(ndim=len(input_shape))
        self._kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape),
                                       initializer=self._kernel_initializer_for(input_axes, output_axes),
                                       regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self._matmul_plan = _matmul_plan(self.equation, tuple(kernel_shape), bias_shape)

    @property
    def kernel(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    def call(self, inputs):
        kernel = self._kernel
        if not inputs.is_floating_point():
            inputs = inputs.to(kernel.dtype)  # Keras's einsum promotes int inputs to the kernel's dtype
        plan = self._matmul_plan
        if plan is not None:
            # The equation is a plain matmul over trailing axes: one GEMM (fused with the bias when it
            # covers exactly the output axes) instead of einsum's permute/bmm dispatch.
            n_in, in_size, out_shape, fused_bias = plan
            lead = inputs.shape[:inputs.dim() - n_in]
            x = inputs.reshape(lead + (in_size,))
            w = kernel.reshape(in_size, -1)
            if fused_bias:
                out = F.linear(x, w.t(), self.bias.reshape(-1)).reshape(lead + out_shape)
                return self.activation(out)
            out = torch.matmul(x, w).reshape(lead + out_shape)
        else:
            out = torch.einsum(self.equation, inputs, kernel)
        if self.bias is not None:
            out = out + self.bias
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        _, _, full_output_shape, _, _ = _analyze_einsum_string(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)
        return tuple(full_output_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        return cfg


def _matmul_plan(equation, kernel_shape, bias_shape):
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


def _analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
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
