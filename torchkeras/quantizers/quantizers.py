"""Keras 3's quantization functions on torch: abs-max int8/int4, grouped int4 with zero points, int4
packing, float8 scaling, fake quantization. Values match Keras's formulas in float32 (round half to
even, as TF and numpy)."""

import math

import numpy as np
import torch

from torchkeras.keras_tensor import torch_dtype

EPSILON = 1e-7  # keras.backend.epsilon()
_FLOAT8 = {"float8_e4m3fn": torch.float8_e4m3fn, "float8_e5m2": torch.float8_e5m2}


def _tensor(x, dtype=None):
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    if hasattr(x, "value") and isinstance(getattr(x, "value"), torch.Tensor):  # a Keras variable view
        return x.value.detach() if dtype is None else x.value.detach().to(dtype)
    arr = np.asarray(x)
    t = torch.from_numpy(arr.astype(np.float32) if arr.dtype == np.float64 else arr)
    return t if dtype is None else t.to(dtype)


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "")


class Quantizer:
    """Base class of quantizers: `__call__(x)` returns the quantized x (here: x)."""

    _keras_module = "keras.quantizers"

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=EPSILON, to_numpy=False):
    """(round(x * scale) clipped to value_range, scale) with scale = value_range[1] / (max|x| + epsilon)
    over `axis` (kept). `to_numpy` is accepted for Keras's signature; the math is the same."""
    x = _tensor(inputs)
    if not x.is_floating_point():
        x = x.float()
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    amax = x.abs().amax(dim=axes, keepdim=True)
    scale = value_range[1] / (amax + epsilon)
    out = torch.clamp(torch.round(x * scale), value_range[0], value_range[1]).to(torch_dtype(dtype))
    return out, scale.to(x.dtype)


def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7), dtype="int8",
                                             epsilon=EPSILON, to_numpy=False):
    """Asymmetric quantization of a 2-D (input_dim, output_dim) tensor in groups of `block_size` rows.

    Returns (quantized (input_dim, output_dim), scale (n_groups, output_dim), zero_point int8
    (n_groups, output_dim)), n_groups = ceil(input_dim / block_size): q = round(x / scale) + zero.
    """
    x = _tensor(inputs)
    in_dim, out_dim = x.shape
    groups = math.ceil(in_dim / block_size)
    qmin, qmax = value_range
    padded = torch.cat([x, x.new_zeros(groups * block_size - in_dim, out_dim)]) if groups * block_size > in_dim else x
    blocks = padded.reshape(groups, block_size, out_dim)
    lo, hi = blocks.amin(dim=1, keepdim=True), blocks.amax(dim=1, keepdim=True)
    scale = (hi - lo + epsilon) / (qmax - qmin)
    zero = torch.clamp(torch.round(-lo / scale) + qmin, qmin, qmax)
    q = torch.clamp(torch.round(blocks / scale) + zero, qmin, qmax).to(torch_dtype(dtype))
    q = q.reshape(groups * block_size, out_dim)[:in_dim]
    return q, scale.squeeze(1).to(x.dtype), zero.squeeze(1).to(torch.int8)


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx, group_axis=-1):
    """(w - zero[g]) * scale[g] with g = g_idx picking each position's group along `group_axis`."""
    groups = _tensor(g_idx).to(torch.int64)
    scale = _tensor(scale)
    s = scale.index_select(group_axis % scale.dim(), groups)
    z = _tensor(zero).index_select(group_axis % scale.dim(), groups).to(s.dtype)
    return (_tensor(weights_matrix).to(s.dtype) - z) * s


class AbsMaxQuantizer(Quantizer):
    """Abs-max quantizer: `__call__(x, axis=None, to_numpy=False)` -> (quantized x, scale)."""

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=EPSILON, output_dtype="int8"):
        Quantizer.__init__(self, output_dtype=output_dtype)
        self.axis = None if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.value_range = value_range
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError("Quantizer with output_dtype='int8' requires value_range to be within the interval "
                             f"[-128, 127]. Received: value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        axis = axis if axis is not None else (self.axis if self.axis is not None else -1)
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype, self.epsilon, to_numpy)

    def get_config(self):
        cfg = {"value_range": self.value_range, "epsilon": self.epsilon, "output_dtype": self.output_dtype}
        if self.axis is not None:
            cfg["axis"] = self.axis
        return cfg


# ------------------------------------------------------------------ float8
def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """New float8 scale from the amax history's max (the reciprocal form Keras stores)."""
    amax, scale = _tensor(amax), _tensor(scale)
    inv = torch.reciprocal(scale)
    sf = dtype_max / amax / (2 ** margin)
    sf = torch.where(amax > 0.0, sf, inv)
    sf = torch.where(torch.isfinite(amax), sf, inv)
    return torch.reciprocal(sf)


def compute_float8_amax_history(x, amax_history):
    """The history rolled left by one, with max|x| written at index 0."""
    h = _tensor(amax_history)
    new = torch.roll(h, -1)
    return torch.cat([_tensor(x).abs().max().to(h.dtype).reshape(1), new[1:]])


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """x / scale clipped to the float8 range, rounded to `quantized_dtype`, times scale again."""
    cdt = torch_dtype(compute_dtype)
    qdt = _FLOAT8.get(quantized_dtype) or torch_dtype(quantized_dtype)
    qmax = torch.tensor(float(torch.finfo(qdt).max), dtype=cdt)
    s = _tensor(scale).to(cdt)
    x = torch.clamp(_tensor(inputs).to(cdt) / s, -qmax, qmax).to(qdt)
    return x.to(cdt) * s


# ------------------------------------------------------------------ int4 packing
def pack_int4(arr, axis=0, dtype="int8"):
    """Two int4 values per byte along `axis` (first in the low nibble); an odd length is zero-padded.

    Returns (packed, packed_shape, original length along axis)."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    t = _tensor(arr)
    if _dtype_name(t) != dtype:
        raise TypeError(f"Expected {dtype} tensor for packing, got {_dtype_name(t)}.")
    axis = axis % t.dim()
    t = t.movedim(axis, 0)
    n = t.shape[0]
    if n % 2:
        t = torch.cat([t, t.new_zeros((1,) + tuple(t.shape[1:]))])
    low, high = t[::2].to(torch.int16) & 0x0F, t[1::2].to(torch.int16) & 0x0F
    packed = (low | (high << 4)).to(torch.uint8)
    packed = packed.view(torch.int8) if dtype == "int8" else packed
    packed = packed.movedim(0, axis).contiguous()
    return packed, tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Inverse of pack_int4: int4 values ([-8, 7] for int8, [0, 15] for uint8) of length `orig_len`."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    t = _tensor(packed)
    if _dtype_name(t) not in ("int8", "uint8"):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {t.dtype}")
    axis = axis % t.dim()
    t = t.movedim(axis, 0).to(torch.int16)
    low, high = t & 0x0F, (t >> 4) & 0x0F
    if dtype == "int8":
        low, high = (low ^ 8) - 8, (high ^ 8) - 8
    out = torch.stack([low, high], dim=1).reshape((-1,) + tuple(t.shape[1:]))[:orig_len]
    return out.to(torch_dtype(dtype)).movedim(0, axis)

