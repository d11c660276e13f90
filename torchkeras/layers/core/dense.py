"""Dense: `activation(inputs @ kernel + bias)` on the last axis of any-rank input (wraps nn.Linear)."""

import torch
import torch.nn.functional as F
from torch import nn

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras import weight_layout as wl
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.utils.validation import positive_int


class Dense(Layer):
    """Densely-connected layer.

    Args:
        units: positive int, dimensionality of the output space.
        activation: activation name or callable; default None (linear), as Keras.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as Keras.

    Input shape: (batch, ..., input_dim). Output shape: (batch, ..., units).
    The torch module is `self.torch_module` (nn.Linear, weight = kernel.T).
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
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
        if lora_rank or quantization_config:
            raise ValueError(f"Dense {self.name!r}: LoRA and quantization are not supported by torchkeras yet; "
                             "pass lora_rank=None and quantization_config=None.")
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"The last dimension of the input to Dense layer {self.name!r} must be defined. "
                             f"Received input_shape={input_shape}.")
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

    @property
    def kernel(self):
        return self._kernel

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
        return self.activation(F.linear(inputs, w, p["bias"]))

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
            "quantization_config": None,
        })
        return cfg
