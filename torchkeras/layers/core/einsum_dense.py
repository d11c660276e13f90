"""EinsumDense: `activation(einsum(equation, inputs, kernel) + bias)` with Keras's kernel/bias shapes."""

import torch
import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.layers.core._einsum_shapes import analyze_einsum_string, matmul_plan
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.quantizers.einsum_support import EinsumLoRAQuantMixin
from torchkeras.quantizers.layer_saving import deserialize_quantization_config
from torchkeras.quantizers.layer_support import split_dtype


class EinsumDense(EinsumLoRAQuantMixin, Layer):
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
    LoRA (`lora_rank=` or `enable_lora(rank)`) and `quantize("int8" | "int4" | "float8")` follow Keras
    3.15 (variables, scale layouts, numerics, saving): see torchkeras/quantizers/einsum_support.py.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        kwargs["dtype"], policy = split_dtype(kwargs.get("dtype"))
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
        self.gptq_unpacked_column_size = gptq_unpacked_column_size
        self._lq_setup(lora_rank, lora_alpha, deserialize_quantization_config(quantization_config), policy)
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
        kernel_shape, bias_shape, _, input_axes, output_axes = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError(f"EinsumDense {self.name!r}: the kernel shape {tuple(kernel_shape)} derived from "
                             f"equation {self.equation!r}, input shape {input_shape} and output_shape "
                             f"{self.partial_output_shape} has unknown axes; give those axes in `output_shape` "
                             "or in the input shape.")
        self.input_spec = InputSpec(ndim=len(input_shape))
        self._build_shape, self._kernel_shape = input_shape, tuple(kernel_shape)
        if self.quantization_mode not in ("int8", "int4", "gptq", "awq"):  # as Keras: no float kernel
            self._kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape),
                                           initializer=self._kernel_initializer_for(input_axes, output_axes),
                                           regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self._matmul_plan = matmul_plan(self.equation, tuple(kernel_shape), bias_shape)
        self._lq_build()

    @property
    def kernel(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._lq_kernel_view() if self._lq_active() else self._kernel

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
                return out if self.activation is None else self.activation(out)
            out = torch.matmul(x, w).reshape(lead + out_shape)
        else:
            out = torch.einsum(self.equation, inputs, kernel)
        if self.bias is not None:
            out = out + self.bias
        return out if self.activation is None else self.activation(out)

    def compute_output_shape(self, input_shape):
        _, _, full_output_shape, _, _ = analyze_einsum_string(
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
        })
        if self.gptq_unpacked_column_size:
            cfg["gptq_unpacked_column_size"] = self.gptq_unpacked_column_size
        return self._lq_config(cfg)
