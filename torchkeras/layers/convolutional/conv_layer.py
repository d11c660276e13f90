"""ConvLayer: what the Conv, ConvTranspose, DepthwiseConv and SeparableConv families share - argument
validation, weight creation and tracking, the channel lock, and Keras's config layout."""


import torch

from torchkeras import activations, config
from torchkeras.layers.convolutional.conv_utils import (
    channel_axis,
    check_ndim,
    conv_output_spatial,
    torch_memory_format,
    with_channels,
)
from torchkeras.layers.convolutional.padding import normalize_padding
from torchkeras.layers.convolutional.weight_args import (
    set_weight_args,
    weight_arg_names,
    weight_args_config,
)
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.utils.validation import normalize_tuple


def positive_integer(value, arg, where=""):
    """Keras's `filters` / `depth_multiplier` rule: an int, or a float with an integral value, > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or int(value) != value:
        raise ValueError(f"Invalid value for argument `{arg}`. Expected a strictly positive value. "
                         f"Received {arg}={value!r}{where}. Pass a whole number > 0.")
    return int(value)


def subclass_args(args):
    """A rank subclass's `locals()` in its __init__ (its Keras signature) as keyword arguments for
    the base class, so each signature is written once and forwarded without being spelled again."""
    out = {k: v for k, v in args.items() if k not in ("self", "__class__", "kwargs")}
    out.update(args["kwargs"])
    return out


def _built_kernel(layer):
    if not layer.built:
        raise AttributeError("You must build the layer before accessing `kernel`.")
    return layer._kernel


built_kernel = property(_built_kernel)


class ConvLayer(Layer):
    """Base of the conv families. `_weights`: the weights whose initializer/regularizer/constraint the
    constructor takes; `_config_head`: the config entries that come before `activation`."""

    _weights = ("kernel", "bias")
    _config_head = ()
    _via_op = False  # BaseConv: True when call goes through convolution_op (an override) or LoRA

    def _init_geometry(self, rank, kernel_size, strides, dilation_rate, padding, allow_causal=False):
        self.rank = rank
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = normalize_padding(padding, allow_causal=allow_causal, layer=self)

    def _init_outputs(self, data_format, activation, use_bias, args):
        """`args`: the constructor's locals(), holding each weight's initializer/regularizer/constraint."""
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_args(self, weight_arg_names(self._weights), args)

    def _check_strides_dilation(self, hint=""):
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}{hint}")

    def _finish_init(self):
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def _make_kernel(self, module, weight, shape, to_keras, to_torch, keras_name="kernel"):
        """Initialise `module.weight` from `<weight>_initializer(shape)` (Keras layout) and track it."""
        with torch.no_grad():
            module.weight.copy_(to_torch(getattr(self, f"{weight}_initializer")(shape)))
        # A channels_last-strided weight lets the conv consume the permuted input as is.
        module.weight.data = module.weight.data.contiguous(
            memory_format=torch_memory_format(self.rank, self.data_format))
        return self._track_variable(module, "weight", keras_name, to_keras, to_torch,
                                    regularizer=getattr(self, f"{weight}_regularizer"),
                                    constraint=getattr(self, f"{weight}_constraint"))

    def _make_bias(self, module, units):
        if not self.use_bias:
            return None
        with torch.no_grad():
            module.bias.copy_(self.bias_initializer((units,)))
        return self._track_variable(module, "bias", "bias", regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint)

    def _lock_channels(self, in_ch):
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis(self.data_format): in_ch})

    def _check_rank(self, inputs):
        if inputs.dim() != self.rank + 2:
            check_ndim(self, inputs.shape)

    def call(self, inputs):
        """One (grouped) conv through the layer's ConvRunner; ConvTranspose and SeparableConv override."""
        if self._via_op:
            return self._call_via_op(inputs)
        self._check_rank(inputs)
        m = self.torch_module
        if self.activation is activations.relu:  # Keras's relu with its defaults: one fused op
            return self._runner(inputs, m.weight, m.bias, self._groups, relu=True)
        return self.activation(self._runner(inputs, m.weight, m.bias, self._groups))

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape)
        return with_channels(self, input_shape, conv_output_spatial(self, input_shape), self.filters)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({name: getattr(self, name) for name in self._config_head})
        cfg.update({"activation": activations.serialize(self.activation), "use_bias": self.use_bias})
        cfg.update(weight_args_config(self, weight_arg_names(self._weights, activity=True)))
        return cfg
