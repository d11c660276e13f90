"""What the normalization layers share: the shape rule (AxisNormalization) and the optional gamma
(scale) and beta (center) weights with their Keras arguments and config (AffineNormalization)."""

import torch
from torch import nn

from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.convolutional.weight_args import (
    set_weight_args,
    weight_arg_names,
    weight_args_config,
)
from torchkeras.layers.layer import Layer
from torchkeras.layers.normalization import _utils as U


class AxisNormalization(Layer):
    def compute_output_shape(self, input_shape):
        U.normalize_axes(self.axis, len(input_shape), self, input_shape)
        return tuple(input_shape)


class AffineNormalization(AxisNormalization):
    """`_config_head`: the config entries before the weight arguments; `_more_initializers`: weights
    (besides beta and gamma) that take only an initializer argument."""

    _config_head = ()
    _more_initializers = ()

    def _weight_args(self):
        return weight_arg_names(("beta", "gamma"), self._more_initializers)

    def _init_affine(self, epsilon, center, scale, args):
        """`args`: the constructor's locals(), holding the beta/gamma initializers, regularizers, constraints."""
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        set_weight_args(self, self._weight_args(), args)
        self.supports_masking = True
        self._gamma = self._beta = None

    def _initial(self, initializer, shape, sqrt=False):
        dtype = torch_dtype(self.variable_dtype)
        with torch.no_grad():
            t = torch.as_tensor(initializer(shape, dtype=dtype)).to(dtype)
            t = t.sqrt() if sqrt else t
        return t.to(self._device_cache) if self._device_cache is not None else t

    def _build_affine(self, shape, scale, center):
        """gamma as the torch parameter `weight` (if scale), beta as `bias` (if center), in Keras's order."""
        if scale:
            self.weight = nn.Parameter(self._initial(self.gamma_initializer, shape))
            self._gamma = self._track_variable(self, "weight", "gamma", regularizer=self.gamma_regularizer,
                                               constraint=self.gamma_constraint)
        if center:
            self.bias = nn.Parameter(self._initial(self.beta_initializer, shape))
            self._beta = self._track_variable(self, "bias", "beta", regularizer=self.beta_regularizer,
                                              constraint=self.beta_constraint)

    gamma = property(lambda self: self._gamma)
    beta = property(lambda self: self._beta)

    def _affine_params(self, x):
        """gamma and beta in x's dtype, None for a weight the layer does not have."""
        gamma = self.weight.to(x.dtype) if self._gamma is not None else None
        beta = self.bias.to(x.dtype) if self._beta is not None else None
        return gamma, beta

    def get_config(self):
        cfg = super().get_config()
        cfg.update({name: getattr(self, name) for name in self._config_head})
        cfg.update(weight_args_config(self, self._weight_args()))
        return cfg
