"""GroupNormalization: channels split into `groups` contiguous blocks, each normalised per example.

Keras's grouping (contiguous channel blocks, statistics over every non-batch axis of a block) is
torch's, so the work is F.group_norm with the channel axis moved to position 1.
"""

import torch.nn.functional as F

from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.normalization import _utils as U
from torchkeras.layers.normalization.base_normalization import AffineNormalization


class GroupNormalization(AffineNormalization):
    """Group normalization (Wu & He, 2018); `groups=-1` gives instance normalization.

    Weights: gamma (C,) if scale, beta (C,) if center; torch names weight, bias.
    """

    _config_head = ("groups", "axis", "epsilon", "center", "scale")

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a positive integer "
                             f"(or `-1` for instance normalization). Received: groups={groups}")
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = U.check_axis_arg(axis, self, allow_list=False)
        self._init_affine(epsilon, center, scale, locals())
        self.autocast = False
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
            # Keras's wording (the number of channels must be a multiple of `groups`).
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number of channels "
                             f"({dim}): `groups` must divide the number of channels. Pass `groups` among the divisors "
                             f"of {dim}.")
        self.input_spec = InputSpec(ndim=ndim, axes={self._axis: dim})
        self._build_affine((dim,), self.scale, self.center)

    def call(self, inputs):
        x = U.compute_float(inputs)
        gamma, beta = self._affine_params(x)
        out = U.on_channels_axis(x, self._axis, lambda t: F.group_norm(t, self.groups, gamma, beta, self.epsilon))
        return out.to(torch_dtype(self.compute_dtype))
