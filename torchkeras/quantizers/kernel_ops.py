"""The quantized forward passes Keras runs, as torch autograd functions (shared by Dense, Embedding and
any layer with a 2-D kernel: EinsumDense can call them on its kernel reshaped to (in, out)).

int8 x int8 products are summed exactly: Keras (TF) accumulates them in int32. torch has no CPU int8
matmul, so they are summed in float32 while every partial sum stays below 2^24 (exact), else float64.
"""

import torch

from torchkeras.quantizers.quantizers import (
    abs_max_quantize,
    compute_float8_amax_history,
    compute_float8_scale,
    dequantize_with_sz_map,
    quantize_and_dequantize,
)

_EXACT_F32_TERMS = (1 << 24) // (127 * 127)


def int_matmul(a, b):
    """a @ b for integer-valued a (..., k) and b (k, n), exact as an int32 accumulation, as float32."""
    dt = torch.float32 if a.shape[-1] <= _EXACT_F32_TERMS else torch.float64
    return torch.matmul(a.to(dt), b.to(dt)).to(torch.float32)


class QuantizedMatmul(torch.autograd.Function):
    """x @ (qkernel / scale) the way Keras computes it; the input gradient uses the dequantized kernel
    (straight through the activation quantizer), the quantized tensors get none."""

    @staticmethod
    def forward(ctx, x, qkernel, float_kernel, out_scale_fn):
        ctx.save_for_backward(float_kernel)
        return out_scale_fn(x)

    @staticmethod
    def backward(ctx, upstream):
        (float_kernel,) = ctx.saved_tensors
        return upstream.matmul(float_kernel.t().to(upstream.dtype)), None, None, None


def int8_dense(x, qkernel, kernel_scale, inputs_quantizer, compute_dtype):
    """Keras's int8 Dense matmul: (q(x) @ k) / (kernel_scale * inputs_scale), or x @ k / kernel_scale."""
    def fwd(inp):
        if inputs_quantizer is not None:
            qx, in_scale = inputs_quantizer(inp, axis=-1)
            return int_matmul(qx, qkernel).to(compute_dtype) / (kernel_scale * in_scale)
        return torch.matmul(inp, qkernel.to(inp.dtype)).to(compute_dtype) / kernel_scale

    return QuantizedMatmul.apply(x, qkernel, qkernel.to(compute_dtype) / kernel_scale, fwd)


def grouped_dense(x, qkernel, scale, zero, g_idx, compute_dtype):
    """Sub-channel int4: x @ ((k - zero[g]) * scale[g]) with groups along the kernel's input rows."""
    w = dequantize_with_sz_map(qkernel, scale, zero, g_idx, group_axis=0).to(compute_dtype)
    return QuantizedMatmul.apply(x, qkernel, w, lambda inp: torch.matmul(inp, w))


def default_inputs_quantizer(inputs, axis=-1):
    return abs_max_quantize(inputs, axis)


class _QDQInputs(torch.autograd.Function):
    """Float8 quantize-dequantize of a forward operand; the gradient passes straight through."""

    @staticmethod
    def forward(ctx, x, scale, qdtype, cdtype):
        return quantize_and_dequantize(x, scale, qdtype, cdtype)

    @staticmethod
    def backward(ctx, upstream):
        return upstream, None, None, None


class _QDQGrad(torch.autograd.Function):
    """Identity forward; the backward quantize-dequantizes the output gradient to float8_e5m2 and
    (training) writes the new scale and amax history into the layer's variables."""

    @staticmethod
    def forward(ctx, x, scale, history, cdtype):
        ctx.scale, ctx.history, ctx.cdtype = scale, history, cdtype
        return x.view_as(x)

    @staticmethod
    def backward(ctx, upstream):
        scale, history = ctx.scale, ctx.history
        new_scale = compute_float8_scale(history.max(), scale, float(torch.finfo(torch.float8_e5m2).max))
        out = quantize_and_dequantize(upstream, scale, "float8_e5m2", ctx.cdtype)
        with torch.no_grad():
            history.copy_(compute_float8_amax_history(upstream, history))
            scale.copy_(new_scale)
        return out, None, None, None


def float8_operand(x, scale, history, training, cdtype):
    """qdq(x) with float8_e4m3fn; in training, also the delayed-scaling update of scale / history."""
    out = _QDQInputs.apply(x, scale.detach(), "float8_e4m3fn", cdtype)
    if training:
        with torch.no_grad():
            new_scale = compute_float8_scale(history.max(), scale, float(torch.finfo(torch.float8_e4m3fn).max))
            history.copy_(compute_float8_amax_history(x.detach(), history))
            scale.copy_(new_scale)
    return out


def float8_grad(x, scale, history, training, cdtype):
    return _QDQGrad.apply(x, scale, history, cdtype) if training else x
