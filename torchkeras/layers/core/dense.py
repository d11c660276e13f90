"""Dense: `activation(inputs @ kernel + bias)` on the last axis of any-rank input (wraps nn.Linear)."""

import torch
import torch.nn.functional as F
from torch import nn

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras import weight_layout as wl
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.quantizers import calibrated_support, kernel_ops
from torchkeras.quantizers.layer_saving import LoRAQuantSavingMixin, deserialize_quantization_config
from torchkeras.quantizers.layer_support import (
    KERNEL_LQ_MODES,
    KERNEL_LQ_SPEC,
    LoRAQuantMixin,
    drop_variable,
    split_dtype,
)
from torchkeras.quantizers.quantizers import unpack_int4
from torchkeras.utils.validation import positive_int


class Dense(LoRAQuantSavingMixin, LoRAQuantMixin, Layer):
    """Densely-connected layer.

    Args:
        units: positive int, dimensionality of the output space.
        activation: activation name or callable; default None (linear), as Keras.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as Keras.

    Input shape: (batch, ..., input_dim). Output shape: (batch, ..., units).
    The torch module is `self.torch_module` (nn.Linear, weight = kernel.T).
    LoRA (`lora_rank=` or `enable_lora(rank)`) and `quantize("int8" | "int4" | "float8")` follow
    Keras 3.15 (variables, numerics, saving): see torchkeras/quantizers/layer_support.py.
    """

    _lq_weight = "kernel"
    _lq_lora = ("lora_kernel_a", "lora_kernel_b")
    _lq_axis = 0
    _lq_modes = KERNEL_LQ_MODES
    _lq_quantizable = ("Dense",)
    _lq_spec = KERNEL_LQ_SPEC

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        kwargs["dtype"], policy = split_dtype(kwargs.get("dtype"))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = positive_int(units, "units", self)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._lq_setup(lora_rank, lora_alpha, deserialize_quantization_config(quantization_config), policy)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"The last dimension of the input to Dense layer {self.name!r} must be defined. "
                             f"Received input_shape={input_shape}.")
        self._orig_dims = (in_dim, self.units)
        self.torch_module = nn.Linear(in_dim, self.units, bias=self.use_bias, device=self._device_cache)
        with torch.no_grad():
            self.torch_module.weight.copy_(wl.dense_to_torch(self.kernel_initializer((in_dim, self.units))))
            if self.use_bias:
                self.torch_module.bias.copy_(self.bias_initializer((self.units,)))
        self._kernel = self._track_variable(self.torch_module, "weight", "kernel", wl.dense_to_keras,
                                            wl.dense_to_torch, regularizer=self.kernel_regularizer,
                                            constraint=self.kernel_constraint)
        self._bias = self._track_variable(self.torch_module, "bias", "bias", regularizer=self.bias_regularizer,
                                          constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        if self.quantization_mode in ("int8", "int4", "gptq", "awq"):
            self._lq_drop_float()
            drop_variable(self, self._kernel)
        self._lq_build()

    @property
    def kernel(self):
        if not self._lq_active():
            return self._kernel
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        if self.quantization_mode in ("gptq", "awq"):
            return calibrated_support.kernel_view(self)
        kernel = self._kernel
        if self.quantization_mode == "int4":
            kernel = unpack_int4(kernel, self._orig_output_dim, axis=-1)
        if self.lora_enabled:
            base = kernel.value if hasattr(kernel, "_to_keras") else kernel
            base = base if base.is_floating_point() else base.to(torch.float32)
            kernel = base + self._lq_lora_delta().to(base.dtype)
        return kernel

    # ---- LoRA / quantization hooks (torchkeras/quantizers/layer_support.py)
    def _lq_float_var(self):
        return self._kernel

    def _lq_drop_float(self):
        self.torch_module.weight = None

    def _lq_dims(self):
        return self._orig_dims

    def _lq_call(self, inputs):
        mode, cdt = self.quantization_mode, torch.float32 if self.compute_dtype == "float32" else None
        x_dtype = inputs.dtype if inputs.is_floating_point() else torch.float32
        cdt = cdt or x_dtype
        if mode is None:
            w = self._kernel.value
            x = F.linear(inputs, (w + self._lq_lora_delta().to(w.dtype)).t())
        elif mode == "float8":
            return self._float8_call(inputs)
        elif mode in ("gptq", "awq"):
            return calibrated_support.calibrated_forward(self, inputs, self._orig_dims, torch.matmul)
        else:
            q = self._kernel
            if mode == "int4":
                q = unpack_int4(q, self._orig_output_dim, axis=-1)
            if "g_idx" in self._parameters:
                x = kernel_ops.grouped_dense(inputs, q, self.kernel_scale, self.kernel_zero, self.g_idx, cdt)
            else:
                x = kernel_ops.int8_dense(inputs, q, self.kernel_scale, self.inputs_quantizer, cdt)
            if self.lora_enabled:
                lora_a, lora_b = self.lora_kernel_a, self.lora_kernel_b
                x = x + (self.lora_alpha / self.lora_rank) * torch.matmul(torch.matmul(inputs, lora_a), lora_b)
        b = self._modules["torch_module"]._parameters["bias"]
        if b is not None:
            x = x + b
        return x if self.activation is None else self.activation(x)

    def _float8_call(self, inputs):
        from torchkeras import config
        if self.lora_enabled:
            raise NotImplementedError("Currently, `_float8_call` doesn't support LoRA")
        training, cdt = bool(config.call_context.training), inputs.dtype
        x = torch.matmul(
            kernel_ops.float8_operand(inputs, self.inputs_scale, self.inputs_amax_history, training, cdt),
            kernel_ops.float8_operand(self._kernel.value, self.kernel_scale, self.kernel_amax_history, training,
                                      cdt))
        x = kernel_ops.float8_grad(x, self.outputs_grad_scale, self.outputs_grad_amax_history, training, cdt)
        b = self._modules["torch_module"]._parameters["bias"]
        if b is not None:
            # Keras rounds a float32 bias through bfloat16 here (for XLA's fused bias-add).
            x = x + (b.to(torch.bfloat16).to(b.dtype) if self.compute_dtype == "float32" else b)
        return x if self.activation is None else self.activation(x)

    @property
    def bias(self):
        return self._bias

    def call(self, inputs):
        p = self._modules["torch_module"]._parameters  # direct dict access: this is the hot path
        w = p["weight"]
        if inputs.dtype is not w.dtype and not inputs.is_floating_point():
            # Keras's matmul promotes int/bool inputs to the float kernel's dtype (Dense on int ids
            # returns float32 in Keras); the layer base only autocasts float inputs.
            inputs = inputs.to(w.dtype)
        y = F.linear(inputs, w, p["bias"])
        act = self.activation  # None when a user sets `layer.activation = None` (Keras then skips it)
        return y if act is None else act(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return self._lq_config(cfg)
