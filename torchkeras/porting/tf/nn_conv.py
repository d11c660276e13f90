"""tf.nn convolution and pooling in TF's channels-last layout with TF's SAME padding (the extra pixel
of an odd total padding goes after, not before)."""

import torch
import torch.nn.functional as F

from torchkeras.porting.tf._core import InvalidArgumentError, convert, unify


def _tuple(v, n, name, full=False):
    if v is None:
        return (1,) * n
    if isinstance(v, int):
        return (v,) * n
    v = [int(i) for i in v]
    if len(v) == 1:
        return (v[0],) * n
    if len(v) == n + 2:  # TF's full form [1, s, s, 1] (channels last)
        return tuple(v[1:-1])
    if len(v) == n:
        return tuple(v)
    raise ValueError(f"`{name}` must be an int or a list of 1, {n} or {n + 2} ints; received {v}.")


def _channels_first(data_format):
    return data_format is not None and data_format.startswith("NC")


def _pad_amounts(size, k, s, d, padding):
    """[(before, after)] per spatial dim for TF's padding spec."""
    if isinstance(padding, str):
        padding = padding.upper()
        if padding == "VALID":
            return [(0, 0)] * len(size)
        if padding != "SAME":
            raise ValueError(f"`padding` must be 'SAME', 'VALID' or explicit pairs; received {padding!r}.")
        out = []
        for n, kk, ss, dd in zip(size, k, s, d):
            eff = (kk - 1) * dd + 1
            total = max((-(-n // ss) - 1) * ss + eff - n, 0)
            out.append((total // 2, total - total // 2))
        return out
    pairs = [tuple(int(x) for x in p) for p in padding]
    return pairs[1:-1] if len(pairs) == len(size) + 2 else pairs


def _to_nc(x, channels_first):
    return x if channels_first else x.movedim(-1, 1)


def _from_nc(x, channels_first):
    return x if channels_first else x.movedim(1, -1)


def _pad(x, pads, value=0.0):
    flat = [v for pair in reversed(pads) for v in pair]
    return F.pad(x, flat, value=value) if any(flat) else x


_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None, name=None):
    x, w = unify("Conv", input, filters)
    n = x.dim() - 2
    if n not in _CONV:
        raise ValueError(f"`input` must have rank 3, 4 or 5; received shape {tuple(x.shape)}.")
    cf = _channels_first(data_format)
    s, d = _tuple(strides, n, "strides"), _tuple(dilations, n, "dilations")
    xc = _to_nc(x, cf)
    if xc.shape[1] % w.shape[-2]:
        raise InvalidArgumentError(f"input depth {xc.shape[1]} must be evenly divisible by filter depth "
                                   f"{w.shape[-2]} [Op:Conv{n}D]")
    xc = _pad(xc, _pad_amounts(xc.shape[2:], w.shape[:n], s, d, padding))
    weight = w.permute(n + 1, n, *range(n))  # [k..., in, out] -> [out, in, k...]
    out = _CONV[n](xc, weight, stride=s, dilation=d, groups=xc.shape[1] // w.shape[-2])
    return _from_nc(out, cf)


def conv1d(input, filters, stride=1, padding="VALID", data_format="NWC", dilations=None, name=None,
           use_cudnn_on_gpu=None):
    return convolution(input, filters, stride, padding, "NCW" if _channels_first(data_format) else None, dilations)


def conv2d(input, filters, strides=1, padding="VALID", data_format="NHWC", dilations=None, name=None):
    return convolution(input, filters, strides, padding, data_format, dilations)


def conv3d(input, filters, strides=1, padding="VALID", data_format="NDHWC", dilations=None, name=None):
    return convolution(input, filters, strides, padding, data_format, dilations)


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):
    x, w = unify("DepthwiseConv2dNative", input, filter)
    kh, kw, c, m = w.shape
    cf = _channels_first(data_format)
    s, d = _tuple(strides, 2, "strides"), _tuple(dilations, 2, "dilations")
    xc = _to_nc(x, cf)
    xc = _pad(xc, _pad_amounts(xc.shape[2:], (kh, kw), s, d, padding))
    weight = w.reshape(kh, kw, c * m).permute(2, 0, 1).unsqueeze(1)
    return _from_nc(F.conv2d(xc, weight, stride=s, dilation=d, groups=c), cf)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC", dilations=None,
                     name=None):
    x, w = unify("Conv2DBackpropInput", input, filters)
    cf = _channels_first(data_format)
    s, d = _tuple(strides, 2, "strides"), _tuple(dilations, 2, "dilations")
    out_shape = [int(v) for v in (output_shape.tolist() if isinstance(output_shape, torch.Tensor) else output_shape)]
    target = out_shape[2:] if cf else out_shape[1:3]
    xc = _to_nc(x, cf)
    full = F.conv_transpose2d(xc, w.permute(3, 2, 0, 1), stride=s, dilation=d)
    pads = _pad_amounts(target, w.shape[:2], s, d, padding)
    out = full
    for dim, (size, (before, _)) in enumerate(zip(target, pads), start=2):
        extra = before + size - out.shape[dim]
        if extra > 0:
            out = F.pad(out, [0, 0] * (out.dim() - dim - 1) + [0, extra])
        out = out.narrow(dim, before, size)
    return _from_nc(out, cf)


def _pool(kind, input, ksize, strides, padding, data_format):
    x = convert(input)
    n = x.dim() - 2
    cf = _channels_first(data_format)
    k, s = _tuple(ksize, n, "ksize"), _tuple(strides, n, "strides")
    xc = _to_nc(x, cf)
    pads = _pad_amounts(xc.shape[2:], k, s, (1,) * n, padding)
    fn = {1: (F.max_pool1d, F.avg_pool1d), 2: (F.max_pool2d, F.avg_pool2d), 3: (F.max_pool3d, F.avg_pool3d)}[n]
    if kind == "max":
        out = fn[0](_pad(xc, pads, float("-inf")), k, s)
    else:
        # TF's SAME average pooling divides by the number of real (unpadded) pixels in each window.
        summed = fn[1](_pad(xc, pads), k, s, divisor_override=1) if n > 1 else fn[1](_pad(xc, pads), k, s) * k[0]
        ones = _pad(torch.ones_like(xc[:1, :1]), pads)
        count = fn[1](ones, k, s, divisor_override=1) if n > 1 else fn[1](ones, k, s) * k[0]
        out = summed / count
    return _from_nc(out, cf)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return _pool("max", input, ksize, strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return _pool("avg", input, ksize, strides, padding, data_format)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("max", input, ksize, strides, padding, data_format)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("avg", input, ksize, strides, padding, data_format)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    return _pool("max", input, ksize, strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    return _pool("avg", input, ksize, strides, padding, data_format)
