"""fake_quant_with_min_max_vars: quantize-dequantize into [min, max] with a nudged zero point.

Gradients follow Keras: x passes the gradient inside [nudged_min, nudged_max]; the gradient of a
clipped element flows to min (below) or max (above), summed per channel.
"""

import torch

from torchkeras.quantizers.quantizers import _tensor


def _nudge(min_range, max_range, num_bits, narrow_range):
    min_range, max_range = min_range.float(), max_range.float()
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    diff = max_range - min_range
    scale = diff / (quant_max - quant_min)
    inv_scale = (quant_max - quant_min) / diff
    zero_point = torch.clamp(quant_min - min_range / scale, quant_min, quant_max)
    nudged_zero = torch.round(zero_point)
    return (quant_min - nudged_zero) * scale, (quant_max - nudged_zero) * scale, scale, inv_scale


class _FakeQuant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, min_val, max_val, num_bits, narrow_range, axis):
        lo, hi, scale, inv_scale = _nudge(min_val, max_val, num_bits, narrow_range)
        shape = [1] * x.dim()
        if axis is not None:
            shape[axis] = -1
            lo, hi, scale, inv_scale = (t.reshape(shape) for t in (lo, hi, scale, inv_scale))
        quant_zero = torch.floor(-lo * inv_scale + 0.5)
        shifted = torch.clamp(x.to(lo.dtype), lo, hi) - lo
        out = (torch.floor(shifted * inv_scale - quant_zero + 0.5) * scale).to(x.dtype)
        ctx.save_for_backward(x, lo, hi)
        ctx.axis, ctx.min_shape, ctx.max_shape = axis, min_val.shape, max_val.shape
        return out

    @staticmethod
    def backward(ctx, upstream):
        x, lo, hi = ctx.saved_tensors
        zero = torch.zeros((), dtype=upstream.dtype, device=upstream.device)
        dx = torch.where((x >= lo) & (x <= hi), upstream, zero)
        axes = [i for i in range(x.dim()) if i != ctx.axis]
        dmin = torch.where(x <= lo, upstream, zero)
        dmax = torch.where(x >= hi, upstream, zero)
        dmin = dmin.sum(dim=axes) if ctx.axis is not None else dmin.sum()
        dmax = dmax.sum(dim=axes) if ctx.axis is not None else dmax.sum()
        return dx, dmin.reshape(ctx.min_shape), dmax.reshape(ctx.max_shape), None, None, None


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False, axis=None):
    """Per-tensor (axis=None) or per-channel fake quantization of `inputs` into [min_vals, max_vals],
    on `num_bits` levels ([1, 2^bits - 1] with narrow_range)."""
    x = _tensor(inputs)
    lo, hi = _tensor(min_vals), _tensor(max_vals)
    if not lo.is_floating_point():
        lo = lo.float()
    if not hi.is_floating_point():
        hi = hi.float()
    if axis is not None:
        axis = axis % x.dim()
    return _FakeQuant.apply(x, lo, hi, int(num_bits), bool(narrow_range), axis)
