"""BaseConv: the shared machinery of Conv1D/2D/3D (layout helpers: conv_utils; arguments: conv_layer)."""

from torch import nn

from torchkeras import weight_layout as wl
from torchkeras.layers.convolutional.conv_layer import ConvLayer, built_kernel, positive_integer
from torchkeras.layers.convolutional.conv_utils import (
    ConvRunner,
    conv_output_spatial,
    input_channels,
)


class BaseConv(ConvLayer):
    """Shared N-D convolution layer; Conv1D/2D/3D fix `rank` and spell out Keras's signature."""

    _module_cls = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
    _config_head = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups")

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = positive_integer(filters, "filters")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups!r}.")
        if self.filters % groups:
            raise ValueError("The number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={groups}, filters={self.filters}.")
        self.groups = groups
        self._init_geometry(rank, kernel_size, strides, dilation_rate, padding, allow_causal=rank == 1)
        self._init_outputs(data_format, activation, use_bias, locals())
        self._check_strides_dilation(". Use strides=1 with dilation, or dilation_rate=1 with strides.")
        self._finish_init()

    def build(self, input_shape):
        in_ch = input_channels(self, input_shape)
        if in_ch % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. Received "
                f"groups={self.groups}, but the input has {in_ch} channels (full input shape is "
                f"{tuple(input_shape)}).")
        self._keras_kernel_shape = self.kernel_size + (in_ch // self.groups, self.filters)
        conv_output_spatial(self, input_shape)
        self.torch_module = m = self._module_cls[self.rank](
            in_ch, self.filters, self.kernel_size, stride=self.strides, dilation=self.dilation_rate,
            groups=self.groups, bias=self.use_bias, device=self._device_cache)
        self._kernel = self._make_kernel(m, "kernel", self._keras_kernel_shape, wl.conv_to_keras,
                                         wl.conv_to_torch)
        self.bias = self._make_bias(m, self.filters)
        self._lock_channels(in_ch)
        self._runner = ConvRunner(self)
        self._groups = self.groups

    kernel = built_kernel
