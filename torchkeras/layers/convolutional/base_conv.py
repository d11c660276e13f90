"""BaseConv: the shared machinery of Conv1D/2D/3D (and the helpers the other conv families reuse).

Layout strategy (DESIGN.md "Channels-last without copies"): a channels_last input (N, *S, C) is viewed
as (N, C, *S) by a permute, which torch sees as a channels_last-strided tensor; the conv runs on that
view and its result is permuted back, so no NHWC<->NCHW copy happens either way. 1D convs run as 2D
convs on (N, C, 1, W) because torch has no channels-last conv1d kernel.
"""

import torch
import torch.nn.functional as F
from torch import nn

from torchkeras import activations, config, constraints, initializers, regularizers
from torchkeras import weight_layout as wl
from torchkeras.layers.convolutional.padding import (
    apply_pad,
    conv_padding,
    normalize_padding,
    output_length,
)
from torchkeras.layers.input_spec import InputSpec, check_input
from torchkeras.layers.layer import Layer
from torchkeras.utils.validation import normalize_tuple

_CONV_FN = {2: F.conv2d, 3: F.conv3d}  # rank 1 runs through conv2d


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
    c = input_shape[-1] if layer.data_format == "channels_last" else input_shape[1]
    if c is None:
        raise ValueError(f"The channel dimension of the inputs to {type(layer).__name__} {layer.name!r} "
                         f"should be defined. Received input_shape={tuple(input_shape)}.")
    return c


def spatial_dims(layer, shape):
    return tuple(shape[1:-1]) if layer.data_format == "channels_last" else tuple(shape[2:])


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
        lift = (lambda t: (1,) + tuple(t)) if self.rank == 1 else tuple
        self.kernel = lift(kernel or layer.kernel_size)
        self.strides = lift(strides or layer.strides)
        self.dilation = lift(dilation or layer.dilation_rate)
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

    def __call__(self, x, weight, bias, groups=1):
        if self.rank == 1:
            weight = weight.unsqueeze(2)
        y = self.conv_cf(to_channels_first(x, self.rank, self.data_format), weight, bias, groups)
        return from_channels_first(y, self.rank, self.data_format)


def torch_memory_format(rank, data_format):
    if data_format == "channels_last" and rank == 2:
        return torch.channels_last
    if data_format == "channels_last" and rank == 3:
        return torch.channels_last_3d
    return torch.contiguous_format


class BaseConv(Layer):
    """Shared N-D convolution layer; Conv1D/2D/3D fix `rank` and spell out Keras's signature."""

    _module_cls = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if isinstance(filters, bool) or not isinstance(filters, (int, float)) or filters <= 0 \
                or int(filters) != filters:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly positive integer. "
                             f"Received filters={filters!r}.")
        self.filters = int(filters)
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups!r}.")
        if self.filters % groups:
            raise ValueError("The number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={groups}, filters={self.filters}.")
        self.groups = groups
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = normalize_padding(padding, allow_causal=rank == 1, layer=self)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}. Use strides=1 with "
                "dilation, or dilation_rate=1 with strides.")
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, input_shape):
        in_ch = input_channels(self, input_shape)
        if in_ch % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. Received "
                f"groups={self.groups}, but the input has {in_ch} channels (full input shape is "
                f"{tuple(input_shape)}).")
        self._keras_kernel_shape = self.kernel_size + (in_ch // self.groups, self.filters)
        conv_output_spatial(self, input_shape)
        self.torch_module = self._module_cls[self.rank](
            in_ch, self.filters, self.kernel_size, stride=self.strides, dilation=self.dilation_rate,
            groups=self.groups, bias=self.use_bias, device=self._device_cache)
        m = self.torch_module
        with torch.no_grad():
            m.weight.copy_(wl.conv_to_torch(self.kernel_initializer(self._keras_kernel_shape)))
            if self.use_bias:
                m.bias.copy_(self.bias_initializer((self.filters,)))
        # A channels_last-strided weight lets the conv consume the permuted input as is.
        m.weight.data = m.weight.data.contiguous(memory_format=torch_memory_format(self.rank, self.data_format))
        self._kernel = self._track_variable(m, "weight", "kernel", wl.conv_to_keras, wl.conv_to_torch,
                                            regularizer=self.kernel_regularizer,
                                            constraint=self.kernel_constraint)
        self.bias = self._track_variable(m, "bias", "bias", regularizer=self.bias_regularizer,
                                         constraint=self.bias_constraint) if self.use_bias else None
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: in_ch})
        self._runner = ConvRunner(self)

    @property
    def kernel(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    def call(self, inputs):
        m = self.torch_module
        if inputs.dim() != self.rank + 2:
            check_ndim(self, inputs.shape)
        return self.activation(self._runner(inputs, m.weight, m.bias, self.groups))

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape)
        return with_channels(self, input_shape, conv_output_spatial(self, input_shape), self.filters)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return cfg
