"""BaseConv: the shared machinery of Conv1D/2D/3D (layout helpers: conv_utils; arguments: conv_layer).

Keras's public hooks of its BaseConv live here too:

* `convolution_op(inputs, kernel)`: the conv of `inputs` with a Keras-layout kernel (k..., in/groups,
  filters). A subclass may call it with its own kernel, or override it; `call` then goes through the
  override (Keras's `call` is `convolution_op(inputs, self.kernel)` + bias, then the activation). A
  layer that does not override it keeps the direct torch path (with the fused conv+bias+relu).
* LoRA (`lora_rank=` / `enable_lora(rank)`): `lora_kernel_a` (k..., in/groups, rank) and
  `lora_kernel_b` (rank, filters), float32 and trainable; the kernel is frozen, `kernel` is the
  effective `kernel + lora_alpha / lora_rank * a @ b`, and saving writes the merged kernel, as Keras.
"""

import numpy as np
import torch
from torch import nn

from torchkeras import activations, initializers
from torchkeras import weight_layout as wl
from torchkeras.layers.convolutional.conv_layer import ConvLayer, positive_integer
from torchkeras.layers.convolutional.conv_utils import (
    ConvRunner,
    conv_output_spatial,
    input_channels,
)
from torchkeras.quantizers.layer_support import _FrozenView, new_variable
from torchkeras.variables import Variable


class BaseConv(ConvLayer):
    """Shared N-D convolution layer; Conv1D/2D/3D fix `rank` and spell out Keras's signature."""

    _module_cls = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
    _config_head = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups")
    # Whether Keras's `call` of this class goes through `convolution_op` (Conv1D's does not).
    _calls_convolution_op = True

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, **kwargs):
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
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        # A subclass's own convolution_op: `call` dispatches through it (see ConvLayer.call).
        self._op_overridden = (self._calls_convolution_op
                               and type(self).convolution_op is not BaseConv.convolution_op)
        self._via_op = self._op_overridden
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
        if self.lora_rank and not self.lora_enabled:
            self.built = True  # as Keras: build marks the layer built, then enables LoRA
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    # ------------------------------------------------------------------ kernel / convolution_op
    @property
    def kernel(self):
        """The kernel variable (Keras layout); with LoRA enabled, the effective kernel tensor."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        if not self.lora_enabled:
            return self._kernel
        base = self._kernel.value
        return (base + self._lora_delta().to(base.dtype)).to(_torch_dtype(self.compute_dtype, base.dtype))

    def convolution_op(self, inputs, kernel):
        """The convolution of `inputs` (the layer's data_format) with a Keras-layout `kernel`
        (k..., in/groups, filters) in the layer's strides, padding and dilation; no bias, no
        activation. The number of groups is the input channels // kernel.shape[-2], as Keras's ops.conv."""
        kernel = self._as_kernel_tensor(kernel, inputs)
        in_ch = inputs.shape[self._channel_axis()]
        if kernel.dim() != self.rank + 2 or in_ch % kernel.shape[-2]:
            raise ValueError(
                f"`kernel` must be a {self.rank + 2}D tensor of shape (kernel spatial dims..., input "
                "channels / groups, filters) whose input-channel dim divides the input's channels. Received "
                f"kernel shape={tuple(kernel.shape)}, inputs shape={tuple(inputs.shape)}.")
        spatial = tuple(kernel.shape[:-2])
        runner = self._runner if spatial == tuple(self.kernel_size) else ConvRunner(self, kernel=spatial)
        return runner(inputs, wl.conv_to_torch(kernel), None, in_ch // kernel.shape[-2])

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    @staticmethod
    def _as_kernel_tensor(kernel, inputs):
        if isinstance(kernel, Variable):
            kernel = kernel.value
        if not isinstance(kernel, torch.Tensor):
            kernel = torch.as_tensor(np.asarray(kernel), device=inputs.device)
        if inputs.is_floating_point() and kernel.dtype != inputs.dtype:
            kernel = kernel.to(inputs.dtype)
        return kernel

    def _call_via_op(self, inputs):
        """Keras's call: `convolution_op(inputs, self.kernel)` + bias, then the activation. With LoRA
        and no convolution_op override, the effective kernel runs through the usual torch path."""
        self._check_rank(inputs)
        m = self.torch_module
        if not self._op_overridden:
            w = m.weight
            w = w + wl.conv_to_torch(self._lora_delta()).to(w.dtype)
            if self.activation is activations.relu:
                return self._runner(inputs, w, m.bias, self._groups, relu=True)
            return self.activation(self._runner(inputs, w, m.bias, self._groups))
        y = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            b = m.bias
            if y.is_floating_point() and b.dtype != y.dtype:
                b = b.to(y.dtype)  # Keras autocasts the bias to the compute dtype
            y = y + (b if self.data_format == "channels_last" else b.reshape((-1,) + (1,) * self.rank))
        return y if self.activation is None else self.activation(y)

    # ------------------------------------------------------------------ LoRA
    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Keras's enable_lora: freeze the kernel and add the trainable low-rank factors
        `lora_kernel_a` (k..., in/groups, rank) and `lora_kernel_b` (rank, filters)."""
        if self.kernel_constraint:
            raise ValueError("Lora is incompatible with kernel constraints. In order to enable lora on this "
                             "layer, remove the `kernel_constraint` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        shape_a = tuple(self._kernel.shape[:-1]) + (rank,)
        for name, shape, init in (("lora_kernel_a", shape_a, a_initializer),
                                  ("lora_kernel_b", (rank, self.filters), b_initializer)):
            new_variable(self, name, name, initializers.get(init)(shape, dtype=torch.float32), True,
                         self.kernel_regularizer)
        self._freeze_kernel()
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank
        self._via_op = True

    def _freeze_kernel(self):
        """The kernel stays where it was created among the weights (Keras's order), not trainable."""
        v = self._kernel
        frozen = _FrozenView(v._owner, v._attr, v.name, layer=v._layer, to_keras=v._to_keras,
                             to_torch=v._to_torch, regularizer=v.regularizer, constraint=v.constraint,
                             assign_fn=v._assign_fn)
        self._keras_vars[:] = [frozen if x is v else x for x in self._keras_vars]
        frozen.param.requires_grad_(False)
        self.__dict__["_kernel"] = frozen

    def _lora_delta(self):
        return (self.lora_alpha / self.lora_rank) * torch.matmul(self.lora_kernel_a, self.lora_kernel_b)

    @property
    def torch_params(self):
        """Keras's torch-backend `torch_params`: this layer's variables by path."""
        return {v.path: v.value for v in self.variables}

    # ------------------------------------------------------------------ saving (Keras's order with LoRA)
    @property
    def save_own_variables(self):
        from torchkeras.layers.layer import Layer

        return self._lora_save if self.lora_enabled else Layer.save_own_variables.__get__(self)

    @property
    def load_own_variables(self):
        from torchkeras.layers.layer import Layer

        return self._lora_load if self.lora_enabled else Layer.load_own_variables.__get__(self)

    def _lora_save(self, store):
        """As Keras: the effective (merged) kernel and the bias; the LoRA factors are not saved."""
        if not self.built:
            return
        values = [self.kernel] + ([self.bias] if self.use_bias else [])
        for i, v in enumerate(values):
            v = v.value if isinstance(v, Variable) else v
            store[str(i)] = v.detach().cpu().numpy()

    def _lora_load(self, store):
        """As Keras: the stored kernel and bias go to the frozen kernel and the bias; the LoRA factors
        are reset to zero (no count check, as Keras skips it with LoRA enabled)."""
        if not self.built:
            return
        targets = [self._kernel] + ([self.bias] if self.use_bias else [])
        for i, v in enumerate(targets):
            value = store[str(i)]
            v.assign(torch.as_tensor(np.asarray(value[...] if hasattr(value, "shape") else value)))
        with torch.no_grad():
            self.lora_kernel_a.zero_()
            self.lora_kernel_b.zero_()

    def get_config(self):
        cfg = super().get_config()
        if self.lora_rank:
            cfg["lora_rank"] = self.lora_rank
            cfg["lora_alpha"] = self.lora_alpha
        return cfg


def _torch_dtype(name, default):
    dt = getattr(torch, str(name), None)
    return dt if isinstance(dt, torch.dtype) else default
