"""EinsumDense's LoRA / int8 / int4 / float8 on top of LoRAQuantMixin (Keras 3.15's variables and numerics).

Keras's layout, which .keras files hold:
- int8: `_kernel` int8 in the kernel's own shape; `kernel_scale` is the abs-max scale over the kernel's
  reduced (contracted) axes, moved to broadcast against the einsum output (einsum_info).
- int4: the kernel reshaped (no transpose) to (rows = product of the reduced axes, cols = the rest),
  packed along cols; `kernel_scale` (cols,) per channel or (n_groups, cols) with `kernel_zero` / `g_idx`
  for groups of `block_size` rows.
- LoRA: `lora_kernel_a` (kernel_shape[:-1] + (rank,)), `lora_kernel_b` (rank, kernel_shape[-1]).
"""

import math

import torch

from torchkeras.keras_tensor import torch_dtype
from torchkeras.quantizers import calibrated_support as cs
from torchkeras.quantizers import einsum_info as ei
from torchkeras.quantizers import kernel_ops
from torchkeras.quantizers import quantization_config as qc
from torchkeras.quantizers import quantizers as Q
from torchkeras.quantizers.layer_saving import LoRAQuantSavingMixin
from torchkeras.quantizers.layer_support import (
    KERNEL_LQ_MODES,
    KERNEL_LQ_SPEC,
    LoRAQuantMixin,
    new_variable,
)


class _QuantizedEinsum(torch.autograd.Function):
    """Forward as Keras computes it from the quantized tensors; the input gradient uses the dequantized
    kernel (straight through any input quantizer), as Keras's custom gradient."""

    @staticmethod
    def forward(ctx, x, float_kernel, fwd, grad_equation):
        ctx.save_for_backward(float_kernel)
        ctx.grad_equation = grad_equation
        return fwd(x)

    @staticmethod
    def backward(ctx, upstream):
        (float_kernel,) = ctx.saved_tensors
        return torch.einsum(ctx.grad_equation, upstream, float_kernel.to(upstream.dtype)), None, None, None


class EinsumLoRAQuantMixin(LoRAQuantSavingMixin, LoRAQuantMixin):
    _lq_weight = "kernel"
    _lq_lora = ("lora_kernel_a", "lora_kernel_b")
    _lq_modes = KERNEL_LQ_MODES
    _lq_quantizable = ("EinsumDense",)
    _lq_spec = KERNEL_LQ_SPEC

    # ---- hooks of LoRAQuantMixin
    def _lq_info(self):
        info = self.__dict__.get("_lq_qinfo")
        if info is None:
            info = self.__dict__["_lq_qinfo"] = ei.quantization_info(self.equation, len(self._build_shape))
        return info

    def _lq_float_var(self):
        return self._kernel

    def _lq_drop_float(self):
        pass  # the quantized `_kernel` replaces the float parameter under the same attribute

    def _lq_dims(self):
        red = self._lq_info().kernel_reduced
        rows = math.prod(d for i, d in enumerate(self._kernel_shape) if i in red)
        return rows, math.prod(self._kernel_shape) // max(rows, 1)

    def _lq_lora_shapes(self, rank):
        shape = tuple(self._kernel_shape)
        return shape[:-1] + (rank,), (rank, shape[-1])

    def _lq_quantized_build(self, mode, config, weight=None):
        if mode == "float8":
            self._lq_float8_build()
            return
        if mode in cs.CALIBRATED_MODES:
            shape = tuple(self._kernel_shape)
            self.original_kernel_shape = shape
            self.quantization_axis = tuple(self._lq_info().input_reduced)
            cs.calibrated_build(self, mode, config, shape, zero_name="zero_point")
            setattr(self, f"{mode}_unpacked_column_size", cs.kernel_rows_cols(shape)[1])
            return
        if mode not in ("int8", "int4"):
            raise NotImplementedError(f"Invalid quantization mode. Expected one of {self._lq_modes}. Received: "
                                      f"quantization_mode={mode}")
        info, shape = self._lq_info(), tuple(self._kernel_shape)
        self.quantization_axis = tuple(info.input_reduced)
        if mode == "int8":
            self.inputs_quantizer = qc.QuantizationConfig.activation_quantizer_or_default(config, Q.AbsMaxQuantizer())
            if weight is None:
                q, scale = torch.zeros(shape, dtype=torch.int8), torch.ones(ei.kernel_scale_shape(shape, info))
            else:
                quantizer = qc.QuantizationConfig.weight_quantizer_or_default(
                    config, Q.AbsMaxQuantizer(axis=tuple(info.kernel_reduced)))
                q, scale = quantizer(weight, to_numpy=True)
                scale = ei.scale_for_output(scale, info)
            new_variable(self, "_kernel", "kernel", q, False)
            new_variable(self, "kernel_scale", "kernel_scale", scale, False)
            return
        self.inputs_quantizer = qc.QuantizationConfig.activation_quantizer_or_default(config, None)
        rows, cols = self._lq_dims()
        block = qc.block_size_for_layer(self, config)
        block = block if block is not None and block != -1 else None
        self.original_kernel_shape = shape
        self._int4_block_size, self._int4_unpacked_column_size, self._int4_rows = block, cols, rows
        self._orig_output_dim = cols
        q, scale, zero = self._lq_int4_quantize(None if weight is None else weight.reshape(rows, cols), block)
        new_variable(self, "_kernel", "kernel", Q.pack_int4(q, axis=-1)[0], False)
        new_variable(self, "kernel_scale", "kernel_scale", scale, False)
        if block is not None:
            new_variable(self, "kernel_zero", "kernel_zero", zero, False)
            new_variable(self, "g_idx", "g_idx", torch.div(torch.arange(rows, dtype=torch.float32), block,
                                                           rounding_mode="floor"), False)

    def _lq_int4_quantize(self, flat, block):
        """(q, scale, zero) of a (rows, cols) kernel; zero is None per channel."""
        rows, cols = self._lq_dims()
        if flat is None:
            if block is None:
                return torch.zeros((rows, cols), dtype=torch.int8), torch.ones(cols), None
            groups = -(-rows // block)
            return (torch.zeros((rows, cols), dtype=torch.int8), torch.ones(groups, cols),
                    torch.zeros(groups, cols, dtype=torch.int8))
        if block is None:
            q, scale = Q.abs_max_quantize(flat, 0, value_range=(-8, 7))
            return q, scale.squeeze(0), None
        return Q.abs_max_quantize_grouped_with_zero_point(flat, block)

    def _lq_dequantized(self):
        info, cdt = self._lq_info(), torch.float32
        if self.quantization_mode == "int8":
            return self._kernel.to(cdt) / ei.scale_for_kernel(self.kernel_scale, info)
        return self._lq_int4_float_kernel(cdt)

    def _lq_int4_float_kernel(self, cdt):
        q = Q.unpack_int4(self._kernel, self._int4_unpacked_column_size, axis=-1)
        if self._int4_block_size is not None:
            w = Q.dequantize_with_sz_map(q, self.kernel_scale, self.kernel_zero, self.g_idx, group_axis=0).to(cdt)
        else:
            w = q.to(cdt) / self.kernel_scale.to(cdt)
        return w.reshape(self.original_kernel_shape)

    def _lq_weight_for_save(self):
        mode = self.quantization_mode
        if mode in cs.CALIBRATED_MODES:
            return None, None, None
        if mode is None or mode == "float8":
            value = self._kernel.detach()
            return (value + self._lq_lora_delta().to(value.dtype)).detach() if self.lora_enabled else value, None, None
        zero = self.kernel_zero if "kernel_zero" in self._parameters else None
        if not self.lora_enabled:
            return self._kernel, self.kernel_scale, zero
        with torch.no_grad():
            merged = self._lq_dequantized() + self._lq_lora_delta()
            if mode == "int8":
                info = self._lq_info()
                q, scale = Q.abs_max_quantize(merged, tuple(info.kernel_reduced))
                return q, ei.scale_for_output(scale, info), None
            q, scale, zero = self._lq_int4_quantize(merged.reshape(self._lq_dims()), self._int4_block_size)
            return Q.pack_int4(q, axis=-1)[0], scale, zero

    def _lq_kernel_view(self):
        """Keras's `kernel` property once LoRA or quantization is active."""
        if self.quantization_mode in cs.CALIBRATED_MODES:
            return cs.kernel_view(self)
        kernel = self._kernel
        if self.quantization_mode == "int4":
            kernel = Q.unpack_int4(kernel, self._int4_unpacked_column_size, axis=-1).reshape(
                self.original_kernel_shape)
        if self.lora_enabled:
            base = kernel if kernel.is_floating_point() else kernel.to(torch.float32)
            kernel = (base + self._lq_lora_delta().to(base.dtype)).to(torch_dtype(self.compute_dtype))
        return kernel

    # ---- forward passes
    def _lq_call(self, inputs):
        mode = self.quantization_mode
        cdt = torch_dtype(self.compute_dtype)
        if not inputs.is_floating_point():
            inputs = inputs.to(cdt)
        if mode == "float8":
            return self._lq_float8_call(inputs)
        if mode in cs.CALIBRATED_MODES:
            return cs.calibrated_forward(self, inputs, self.original_kernel_shape,
                                         lambda x, w: torch.einsum(self.equation, x, w))
        if mode is None:
            x = torch.einsum(self.equation, inputs, self._lq_kernel_view().to(inputs.dtype))
        else:
            x = self._lq_int8_einsum(inputs, cdt) if mode == "int8" else self._lq_int4_einsum(inputs, cdt)
            if self.lora_enabled:
                a, b = self.lora_kernel_a, self.lora_kernel_b
                dt = torch.promote_types(inputs.dtype, a.dtype)
                lora = torch.matmul(torch.einsum(self.equation, inputs.to(dt), a.to(dt)), b.to(dt))
                x = (x + (self.lora_alpha / self.lora_rank) * lora).to(cdt)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def _lq_quantized_inputs(self, inputs):
        q, scale = self.inputs_quantizer(inputs, axis=self.quantization_axis)
        return q, ei.scale_for_output(scale, self._lq_info(), "input")

    def _lq_int8_einsum(self, inputs, cdt):
        info, qk, kscale = self._lq_info(), self._kernel, self.kernel_scale
        float_kernel = qk.to(cdt) / ei.scale_for_kernel(kscale, info).to(cdt)
        rows = self._lq_dims()[0]

        def fwd(x):
            if self.inputs_quantizer:
                qx, xscale = self._lq_quantized_inputs(x)
                out = ei.exact_int_einsum(self.equation, qx, qk, rows).to(cdt)
                return out / (xscale * kscale)
            return torch.einsum(self.equation, x, qk.to(x.dtype)).to(cdt) / kscale

        return _QuantizedEinsum.apply(inputs, float_kernel, fwd, info.grad_equation)

    def _lq_int4_einsum(self, inputs, cdt):
        info, float_kernel = self._lq_info(), self._lq_int4_float_kernel(cdt)

        def fwd(x):
            if self.inputs_quantizer and self._int4_block_size is None:
                qx, xscale = self._lq_quantized_inputs(x)
                return torch.einsum(self.equation, qx.to(cdt), float_kernel) / xscale
            return torch.einsum(self.equation, x, float_kernel.to(x.dtype))

        return _QuantizedEinsum.apply(inputs, float_kernel, fwd, info.grad_equation)

    def _lq_float8_call(self, inputs):
        from torchkeras import config
        if self.lora_enabled:
            raise NotImplementedError("Currently, `_float8_call` doesn't support LoRA")
        training, cdt = bool(config.call_context.training), inputs.dtype
        x = torch.einsum(
            self.equation,
            kernel_ops.float8_operand(inputs, self.inputs_scale, self.inputs_amax_history, training, cdt),
            kernel_ops.float8_operand(self._kernel, self.kernel_scale, self.kernel_amax_history, training, cdt))
        x = kernel_ops.float8_grad(x, self.outputs_grad_scale, self.outputs_grad_amax_history, training, cdt)
        if self.bias is not None:
            b = self.bias
            # Keras rounds a float32 bias through bfloat16 here (for XLA's fused bias-add).
            x = x + (b.to(torch.bfloat16).to(b.dtype) if self.compute_dtype == "float32" else b)
        return self.activation(x)
