"""GroupNormalization: channels split into `groups` contiguous blocks, each normalised per example.

Keras's grouping (contiguous channel blocks, statistics over every non-batch axis of a block) is
torch's, so the work is F.group_norm with the channel axis moved to position 1.
"""

import torch
import torch.nn.functional as F
from torch import nn

from torchkeras import constraints, initializers, regularizers
from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.normalization import _utils as U


class GroupNormalization(Layer):
    """Group normalization (Wu & He, 2018); `groups=-1` gives instance normalization.

    Weights: gamma (C,) if scale, beta (C,) if center; torch names weight, bias.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a positive integer "
                             f"(or `-1` for instance normalization). Received: groups={groups}")
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = U.check_axis_arg(axis, self, allow_list=False)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False
        self._gamma = self._beta = None
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, input_shape):
        ndim = len(input_shape)
        self._axis = U.normalize_axes(self.axis, ndim, self, input_shape)
        if self._axis == 0:
            raise ValueError(f"GroupNormalization {self.name!r} cannot group the batch axis. Received: "
                             f"axis={self.axis} for input_shape={tuple(input_shape)}; pass the channel axis.")
        dim = input_shape[self._axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                             f"received an input with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of channels "
                             f"({dim}). Pass `groups` <= {dim}.")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must divide the number of channels ({dim}) "
                             f"exactly (Keras: 'must be a multiple of'). Pass `groups` among the divisors "
                             f"of {dim}.")
        self.input_spec = InputSpec(ndim=ndim, axes={self._axis: dim})
        dtype = torch_dtype(self.variable_dtype)

        def make(init):
            with torch.no_grad():
                t = torch.as_tensor(init((dim,), dtype=dtype)).to(dtype)
            return nn.Parameter(t.to(self._device_cache) if self._device_cache is not None else t)

        if self.scale:
            self.weight = make(self.gamma_initializer)
            self._gamma = self._track_variable(self, "weight", "gamma", regularizer=self.gamma_regularizer,
                                               constraint=self.gamma_constraint)
        if self.center:
            self.bias = make(self.beta_initializer)
            self._beta = self._track_variable(self, "bias", "beta", regularizer=self.beta_regularizer,
                                              constraint=self.beta_constraint)

    gamma = property(lambda self: self._gamma)
    beta = property(lambda self: self._beta)

    def call(self, inputs):
        x = U.compute_float(inputs)
        gamma = self.weight.to(x.dtype) if self.scale else None
        beta = self.bias.to(x.dtype) if self.center else None
        xt = x if self._axis == 1 else x.movedim(self._axis, 1)
        out = F.group_norm(xt, self.groups, gamma, beta, self.epsilon)
        out = out if self._axis == 1 else out.movedim(1, self._axis)
        return out.to(torch_dtype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        U.normalize_axes(self.axis, len(input_shape), self, input_shape)
        return tuple(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return cfg
