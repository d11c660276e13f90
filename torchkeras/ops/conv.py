"""keras.ops.nn convolutions and pooling on Keras-layout kernels and TF padding ("same" puts the odd
cell after), any rank 1-3, channels_last or channels_first."""

import math as _math

import torch
import torch.nn.functional as F

from torchkeras.ops._common import op, promote, tensor

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAXP = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVGP = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def data_format_of(data_format):
    from torchkeras import config
    fmt = config.image_data_format() if data_format is None else str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    return fmt


def tuple_of(value, rank, name):
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * rank
    if len(value) != rank:
        raise ValueError(f"`{name}` must be an int or a tuple of {rank} ints. Received: {name}={value}")
    return value


def first(x, data_format):
    """Channels-first view of `x`."""
    return x if data_format == "channels_first" else torch.movedim(x, -1, 1)


def back(y, data_format):
    return y if data_format == "channels_first" else torch.movedim(y, 1, -1)


def _padding(padding):
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: padding={padding}")
    return p


def same_pads(spatial, kernel, strides, dilation):
    """F.pad list (last dim first) for TF "same" padding."""
    pads = []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        k_eff = (k - 1) * d + 1
        total = max((-(-n // s) - 1) * s + k_eff - n, 0)
        pads.append((total // 2, total - total // 2))
    return [v for pair in reversed(pads) for v in pair]


def _prep(inputs, data_format, strides, dilation_rate):
    x = tensor(inputs)
    rank = x.dim() - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"Inputs to conv ops must be 3D, 4D or 5D (batch, spatial..., channels). Received: "
                         f"inputs.shape={tuple(x.shape)}")
    fmt = data_format_of(data_format)
    return x, rank, fmt, tuple_of(strides, rank, "strides"), tuple_of(dilation_rate, rank, "dilation_rate")


def _run_conv(x, w, rank, strides, padding, dilation, groups, fmt):
    xc = first(x, fmt)
    if _padding(padding) == "same":
        xc = F.pad(xc, same_pads(xc.shape[2:], w.shape[2:], strides, dilation))
    return back(_CONV[rank](xc, w, None, strides, 0, dilation, groups), fmt)


@op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-d convolution; `kernel` is (spatial..., in_channels // groups, out_channels)."""
    x, rank, fmt, strides, dilation = _prep(inputs, data_format, strides, dilation_rate)
    x, k = promote(x, kernel)
    in_ch = x.shape[1] if fmt == "channels_first" else x.shape[-1]
    if in_ch % k.shape[-2]:
        raise ValueError(f"The number of input channels must match the kernel's input channels (or be a "
                         f"multiple of them for groups): {in_ch} vs {k.shape[-2]}. Received: inputs.shape={tuple(x.shape)}, "
                         f"kernel.shape={tuple(k.shape)}")
    w = k.permute(rank + 1, rank, *range(rank))
    return _run_conv(x, w, rank, strides, padding, dilation, in_ch // k.shape[-2], fmt)


@op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Per-channel convolution; `kernel` is (spatial..., in_channels, channel_multiplier)."""
    x, rank, fmt, strides, dilation = _prep(inputs, data_format, strides, dilation_rate)
    x, k = promote(x, kernel)
    in_ch, mult = k.shape[-2], k.shape[-1]
    w = k.reshape(tuple(k.shape[:rank]) + (in_ch * mult, 1)).permute(rank, rank + 1, *range(rank))
    return _run_conv(x, w, rank, strides, padding, dilation, in_ch, fmt)


@op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def _transpose_length(n, k, s, d, padding, output_padding):
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        extra = max(k_eff, s) - k_eff if output_padding is None else output_padding
        return (n - 1) * s + k_eff + extra
    if output_padding is None:
        return n * s
    return (n - 1) * s + k_eff % 2 + output_padding


@op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution; `kernel` is (spatial..., out_channels, in_channels)."""
    x, rank, fmt, strides, dilation = _prep(inputs, data_format, strides, dilation_rate)
    x, k = promote(x, kernel)
    padding = _padding(padding)
    ops_ = (None,) * rank if output_padding is None else tuple_of(output_padding, rank, "output_padding")
    xc = first(x, fmt)
    w = k.permute(rank + 1, rank, *range(rank))
    extra, crops = [], [slice(None), slice(None)]
    for n, kk, s, d, o_p in zip(xc.shape[2:], k.shape[:rank], strides, dilation, ops_):
        out = _transpose_length(n, kk, s, d, padding, o_p)
        full = (n - 1) * s + (kk - 1) * d + 1
        # torch writes the full-length result; grow it by `extra` cells or crop it to Keras's size.
        extra.append(max(out - full, 0))
        before = max(full - out, 0) // 2 if padding == "same" else 0
        crops.append(slice(before, before + out))
    if any(e >= s for e, s in zip(extra, strides)):
        # torch requires output_padding < stride: pad the input's far edge instead.
        y = _CONV_T[rank](xc, w, None, strides, 0, 0, 1, dilation)
        y = F.pad(y, [v for e in reversed(extra) for v in (0, e)])
    else:
        y = _CONV_T[rank](xc, w, None, strides, 0, tuple(extra), 1, dilation)
    return back(y[tuple(crops)], fmt)


def _pool(inputs, pool_size, strides, padding, data_format, kind):
    x = tensor(inputs)
    rank = x.dim() - 2
    fmt = data_format_of(data_format)
    pool = tuple_of(pool_size, rank, "pool_size")
    strides = pool if strides is None else tuple_of(strides, rank, "strides")
    xc = first(x, fmt)
    if _padding(padding) == "valid":
        fn = _MAXP if kind == "max" else _AVGP
        return back(fn[rank](xc, pool, strides), fmt)
    pads = same_pads(xc.shape[2:], pool, strides, (1,) * rank)
    if kind == "max":
        fill = float("-inf") if xc.is_floating_point() else torch.iinfo(xc.dtype).min
        return back(_MAXP[rank](F.pad(xc, pads, value=fill), pool, strides), fmt)
    # TF averages over the in-bounds cells only: divide window sums by window counts.
    sums = _AVGP[rank](F.pad(xc, pads), pool, strides) * _math.prod(pool)
    ones = torch.ones((1, 1) + tuple(xc.shape[2:]), dtype=xc.dtype, device=xc.device)
    counts = _AVGP[rank](F.pad(ones, pads), pool, strides) * _math.prod(pool)
    return back(sums / counts, fmt)


@op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(inputs, pool_size, strides, padding, data_format, "max")


@op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x = tensor(inputs)
    if not x.is_floating_point():
        x = promote(x, 1.0)[0]
    return _pool(x, pool_size, strides, padding, data_format, "avg")


def _adaptive(inputs, output_size, data_format, fns):
    x = tensor(inputs)
    rank = x.dim() - 2
    fmt = data_format_of(data_format)
    size = tuple_of(output_size, rank, "output_size")
    return back(fns[rank](first(x, fmt), size), fmt)


@op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average over [floor(i*L/O), ceil((i+1)*L/O)) per output cell (torch's adaptive bins = Keras's)."""
    return _adaptive(inputs, output_size, data_format,
                     {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d})


@op
def adaptive_max_pool(inputs, output_size, data_format=None):
    return _adaptive(inputs, output_size, data_format,
                     {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d})
