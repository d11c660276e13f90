"""Zero-point (asymmetric / symmetric) weight quantization shared by GPTQ and AWQ, as Keras 3.15's
`compute_quantization_parameters`, `quantize_with_zero_point`, `dequantize_with_zero_point`,
`quantize_with_sz_map` and `GPTQQuantizer` compute it in float32 (round half to even, as TF)."""

import math

import torch

from torchkeras.keras_tensor import torch_dtype
from torchkeras.quantizers.quantizers import Quantizer, _tensor, dequantize_with_sz_map


def to_uint8(x):
    """Keras's cast of a float zero point to uint8, as TF's CPU kernel does it.

    A row / group with no negative weight gets a negative zero point (e.g. -5). C leaves that cast
    undefined; TF 2.21 on CPU (Eigen) saturates it to 0 in tensors of 32 or more elements (vectorized
    path) and wraps it modulo 256 (251) in smaller ones. Both are reproduced so that the stored zero
    points (and the levels quantized with them) equal Keras's."""
    if not x.is_floating_point():
        return x.to(torch.uint8)
    x = torch.trunc(x)
    if x.numel() >= 32:
        return torch.clamp(x, 0, 255).to(torch.uint8)
    return torch.remainder(x.to(torch.int64), 256).to(torch.uint8)


def to_int8(x):
    return x.to(torch.int32).to(torch.int8)


def compute_quantization_parameters(x, *, bits, symmetric=False, per_channel=False, group_size=-1,
                                    compute_dtype="float32", epsilon=0.0, signed=False):
    """(scale, zero, maxq) of a 2-D [out_features, in_features] weight: per tensor, per output channel,
    or per group of `group_size` input features; zero is uint8 (int8 when `signed`)."""
    if x is None:
        raise ValueError(f"Input tensor {x} cannot be None.")
    x = _tensor(x)
    if x.dim() < 2:
        raise ValueError(f"Input weight tensor {x} must have a rank of at least 2, but got rank {x.dim()}.")
    if x.numel() == 0:
        raise ValueError("Input tensor 'x' cannot be empty.")
    out_features, in_features = x.shape[0], x.shape[1]
    n_groups = (in_features + group_size - 1) // group_size if per_channel and group_size > 0 else 1
    if n_groups > 1:
        pad = n_groups * group_size - in_features
        if pad:
            x = torch.cat([x, x.new_zeros(out_features, pad)], dim=1)
        grouped = x.reshape(out_features, n_groups, group_size)
        min_v, max_v = grouped.amin(dim=2), grouped.amax(dim=2)
    else:
        flat = x.reshape(out_features, -1) if per_channel else x.reshape(1, -1)
        min_v, max_v = flat.amin(dim=1), flat.amax(dim=1)
    if symmetric:
        max_abs = torch.maximum(min_v.abs(), max_v)
        min_v = torch.where(min_v < 0, -max_abs, min_v)
        max_v = max_abs
    same = min_v == max_v
    min_v = torch.where(same, min_v - 1, min_v)
    max_v = torch.where(same, max_v + 1, max_v)
    cdt = torch_dtype(compute_dtype)
    maxq = torch.tensor(float(2 ** bits - 1), dtype=cdt)
    rng = max_v - min_v
    if epsilon > 0:
        rng = rng + epsilon
    scale = rng / maxq
    scale = torch.where(scale <= 0, torch.tensor(1e-8, dtype=scale.dtype), scale)
    if signed:
        qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        if symmetric:
            zero = torch.full_like(scale, float((maxq + 1) / 2 + qmin))
        else:
            zero = torch.round(-min_v / scale) + qmin
        zero = torch.clamp(zero, qmin, qmax)
    elif symmetric:
        zero = torch.full_like(scale, float((maxq + 1) / 2))
    else:
        zero = torch.round(-min_v / scale)
    if n_groups == 1:
        if per_channel:
            scale, zero = scale.reshape(-1, 1), zero.reshape(-1, 1)
        else:
            scale = scale.reshape(1, 1).repeat(out_features, 1)
            zero = zero.reshape(1, 1).repeat(out_features, 1)
    return scale, (to_int8(zero) if signed else to_uint8(zero)), maxq


def quantize_with_zero_point(input_tensor, scale, zero, maxq):
    """round(x / scale + zero) clipped to [0, maxq] (float; a zero scale counts as 1e-8)."""
    scale = _tensor(scale)
    safe = torch.where(scale == 0, torch.tensor(1e-8, dtype=scale.dtype), scale)
    q = torch.round(_tensor(input_tensor) / safe + _tensor(zero).to(scale.dtype))
    return torch.clamp(q, 0, float(maxq))


def dequantize_with_zero_point(input_tensor, scale, zero):
    scale = _tensor(scale)
    return scale * (_tensor(input_tensor).to(scale.dtype) - _tensor(zero).to(scale.dtype))


def quantize_with_sz_map(weights_matrix, scale, zero, g_idx, maxq, group_axis=-1):
    """quantize_with_zero_point with each position's group params picked by `g_idx` along `group_axis`."""
    groups = _tensor(g_idx).to(torch.int32).to(torch.int64)
    scale = _tensor(scale)
    axis = group_axis % scale.dim()
    return quantize_with_zero_point(weights_matrix, scale.index_select(axis, groups),
                                    _tensor(zero).index_select(axis, groups), maxq)


def group_indices(n, group):
    """Keras's stored g_idx: float32(i / group) (a true division; the int cast at use floors it)."""
    return torch.arange(n, dtype=torch.int32).to(torch.float64).div(group).to(torch.float32)


def n_groups_for(rows, group_size):
    return 1 if group_size == -1 else math.ceil(rows / group_size)


class GPTQQuantizer(Quantizer):
    """The GPTQ weight quantizer: `find_params(w)` -> (scale, zero, maxq) from a GPTQConfig's settings."""

    def __init__(self, config=None, compute_dtype="float32"):
        from torchkeras.quantizers.gptq_config import GPTQConfig
        if config is None:
            config = GPTQConfig(tokenizer=None, dataset=None)
        Quantizer.__init__(self)
        self.weight_bits = config.weight_bits
        self.per_channel = config.per_channel
        self.symmetric = config.symmetric
        self.group_size = config.group_size
        self.compute_dtype = compute_dtype
        self.scale = self.zero = self.maxq = None

    def find_params(self, input_tensor):
        self.scale, self.zero, self.maxq = compute_quantization_parameters(
            input_tensor, bits=self.weight_bits, symmetric=self.symmetric, per_channel=self.per_channel,
            group_size=self.group_size, compute_dtype=self.compute_dtype)
        return self.scale, self.zero, self.maxq

    def get_config(self):
        cfg = Quantizer.get_config(self)  # as Keras: the base raises, so this quantizer has no config
        return {**cfg, "weight_bits": self.weight_bits,
                "per_channel": self.per_channel, "symmetric": self.symmetric, "group_size": self.group_size}

    @classmethod
    def from_config(cls, config):
        from torchkeras.quantizers.gptq_config import GPTQConfig
        return cls(GPTQConfig(tokenizer=None, dataset=None, weight_bits=config["weight_bits"],
                              per_channel=config["per_channel"], symmetric=config["symmetric"],
                              group_size=config["group_size"]))


__all__ = ["compute_quantization_parameters", "quantize_with_zero_point", "dequantize_with_zero_point",
           "quantize_with_sz_map", "dequantize_with_sz_map", "GPTQQuantizer"]
