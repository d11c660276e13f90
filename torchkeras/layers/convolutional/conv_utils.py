"""Layout and geometry helpers shared by every conv family and the pooling layers.

Layout strategy (DESIGN.md "Channels-last without copies"): a channels_last input (N, *S, C) is viewed
as (N, C, *S) by a permute, which torch sees as a channels_last-strided tensor; the conv runs on that
view and its result is permuted back, so no NHWC<->NCHW copy happens either way. 1D convs run as 2D
convs on (N, C, 1, W) because torch has no channels-last conv1d kernel.
"""

import torch
import torch.nn.functional as F

from torchkeras.layers.convolutional.padding import apply_pad, conv_padding, output_length
from torchkeras.layers.input_spec import InputSpec, check_input

_CONV_FN = {2: F.conv2d, 3: F.conv3d}  # rank 1 runs through conv2d
# oneDNN's conv with a fused elementwise epilogue (what TF's remapper makes of Conv2D+BiasAdd+Relu).
_POINTWISE = (getattr(torch.ops.mkldnn, "_convolution_pointwise", None)
              if torch.backends.mkldnn.is_available() else None)


class _ConvReLU(torch.autograd.Function):
    """relu(conv(x, w) + b) as one oneDNN conv with the bias and relu in its epilogue: the
    activation never takes a separate pass over the output (nor a buffer of its own). The backward
    is torch's: relu's mask from the saved output, then aten.convolution_backward."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        out = _POINTWISE(x, weight, bias, padding, stride, dilation, groups, "relu", [], "")
        ctx.save_for_backward(x, weight, out)
        ctx.geometry = (stride, padding, dilation, groups, bias is not None)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, out = ctx.saved_tensors
        stride, padding, dilation, groups, has_bias = ctx.geometry
        g = torch.ops.aten.threshold_backward(grad, out, 0)
        need = ctx.needs_input_grad
        gx, gw, gb = torch.ops.aten.convolution_backward(
            g, x, weight, [weight.shape[0]] if has_bias else None, stride, padding, dilation, False,
            [0] * len(stride), groups, [need[0], need[1], has_bias and need[2]])
        return gx, gw, gb, None, None, None, None


def _can_fuse(x, weight):
    """The fused conv+relu runs where oneDNN's kernel matches torch's eager conv exactly: float32
    CPU tensors, 2D, outside autocast, tracing and torch.compile (which fuse on their own)."""
    return (_POINTWISE is not None and x.device.type == "cpu" and x.dtype == torch.float32
            and weight.dtype == torch.float32 and x.dim() == 4
            and not torch.is_autocast_enabled("cpu") and not torch.jit.is_tracing()
            and not torch.compiler.is_compiling() and not torch._C._functorch.is_functorch_wrapped_tensor(x))


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


def lift(rank, values):
    """Per-dim arguments of a rank-1 op, which runs as 2D over (1, W): a leading 1 is added."""
    return (1,) + tuple(values) if rank == 1 else tuple(values)


def to_channels_first(x, rank, data_format):
    """(N, *S, C) or (N, C, *S) -> a (N, C, *S') view; S' = (1, W) for rank 1."""
    if data_format == "channels_last":
        if rank == 1:
            x = x.unsqueeze(1)
        nd = x.dim()
        return x.permute(0, nd - 1, *range(1, nd - 1))
    return x.unsqueeze(2) if rank == 1 else x


def from_channels_first(y, rank, data_format):
    if data_format == "channels_last":
        nd = y.dim()
        y = y.permute(0, *range(2, nd), 1)
        return y.squeeze(1) if rank == 1 else y
    return y.squeeze(2) if rank == 1 else y


def check_ndim(layer, shape):
    want = layer.rank + 2
    if len(shape) != want:
        raise ValueError(
            f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected ndim={want} '
            f"(a {layer.rank}D input: batch, {layer.rank} spatial dims and channels), found "
            f"ndim={len(shape)}. Full shape received: {tuple(shape)}")


def input_channels(layer, input_shape):
    check_input(InputSpec(min_ndim=layer.rank + 2), tuple(input_shape), layer.name)  # Keras's message
    check_ndim(layer, input_shape)
    c = input_shape[channel_axis(layer.data_format)]
    if c is None:
        raise ValueError(f"The channel dimension of the inputs to {type(layer).__name__} {layer.name!r} "
                         f"should be defined. Received input_shape={tuple(input_shape)}.")
    return c


def spatial_axes(rank, data_format):
    start = 2 if data_format == "channels_first" else 1
    return list(range(start, start + rank))


def spatial_dims(layer, shape):
    return tuple(shape[a] for a in spatial_axes(len(shape) - 2, layer.data_format))


def conv_output_spatial(layer, shape):
    """Output spatial sizes; raises Keras's error when a "valid" window does not fit."""
    spatial = spatial_dims(layer, shape)
    out = tuple(output_length(n, k, s, d, layer.padding) for n, k, s, d in
                zip(spatial, layer.kernel_size, layer.strides, layer.dilation_rate))
    if any(o is not None and o <= 0 for o in out):
        kernel = tuple(getattr(layer, "_keras_kernel_shape", layer.kernel_size))
        raise ValueError(
            f"Computed output size would be zero or negative. Received `inputs shape={tuple(shape)}`, "
            f"`kernel shape={kernel}`, `dilation_rate={layer.dilation_rate}`, `strides={layer.strides}`, "
            f"`padding={layer.padding}`. Each spatial input dim must be at least the effective kernel "
            f"size (kernel_size - 1) * dilation_rate + 1: use a smaller kernel, or padding='same'.")
    return out


def with_channels(layer, shape, spatial, channels):
    if layer.data_format == "channels_last":
        return (shape[0],) + tuple(spatial) + (channels,)
    return (shape[0], channels) + tuple(spatial)


class ConvRunner:
    """Runs a torch conv in the layer's geometry; the torch padding is cached per input spatial size."""

    def __init__(self, layer, strides=None, dilation=None, padding=None, kernel=None):
        self.rank = layer.rank
        self.data_format = layer.data_format
        self.kernel = lift(self.rank, kernel or layer.kernel_size)
        self.strides = lift(self.rank, strides or layer.strides)
        self.dilation = lift(self.rank, dilation or layer.dilation_rate)
        self.padding = padding or layer.padding
        self.fn = _CONV_FN[max(self.rank, 2)]
        self._cache = {}

    def pads(self, spatial):
        p = self._cache.get(spatial)
        if p is None:
            if self.padding == "causal":
                p = conv_padding(spatial[-1:], self.kernel[-1:], self.strides[-1:], self.dilation[-1:], "causal")
                p = ((0, 0), p[1])
            else:
                p = conv_padding(spatial, self.kernel, self.strides, self.dilation, self.padding)
            self._cache[spatial] = p
        return p

    def conv_cf(self, x, weight, bias, groups):
        """Conv on a channels-first view (the 1D case already lifted to 2D)."""
        sym, pad = self.pads(tuple(x.shape[2:]))
        return self.fn(apply_pad(x, pad), weight, bias, self.strides, sym, self.dilation, groups)

    def __call__(self, x, weight, bias, groups=1, relu=False):
        """The conv of `x` in the layer's layout; `relu=True` also applies relu (fused where it can)."""
        if self.rank == 1:
            weight = weight.unsqueeze(2)
        x = to_channels_first(x, self.rank, self.data_format)
        if relu and _can_fuse(x, weight):
            sym, pad = self.pads(tuple(x.shape[2:]))
            y = _ConvReLU.apply(apply_pad(x, pad), weight, bias, list(self.strides), list(sym),
                                list(self.dilation), groups)
        else:
            y = self.conv_cf(x, weight, bias, groups)
            if relu:
                y = torch.relu(y)
        fmt = self.out_format
        if fmt is not None and not y.is_contiguous(memory_format=fmt):
            # oneDNN picks NCHW when the input's layout is ambiguous (one input channel: Keras's
            # images of shape (28, 28, 1)); everything downstream then runs NCHW under an NHWC
            # view. One copy here keeps the model channels-last, where the following convs,
            # activations and pooling are faster (CNN fit: about 15% on CPU).
            y = y.contiguous(memory_format=fmt)
        return from_channels_first(y, self.rank, self.data_format)

    @property
    def out_format(self):
        """The memory format that makes the channels_last result contiguous (None: channels_first)."""
        if self.data_format != "channels_last":
            return None
        return torch.channels_last_3d if self.rank == 3 else torch.channels_last


def torch_memory_format(rank, data_format):
    if data_format == "channels_last" and rank == 2:
        return torch.channels_last
    if data_format == "channels_last" and rank == 3:
        return torch.channels_last_3d
    return torch.contiguous_format
