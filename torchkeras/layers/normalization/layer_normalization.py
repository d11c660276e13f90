"""LayerNormalization: per-example normalisation over one or several axes (Keras 3 semantics).

Keras sorts a list `axis` by its raw values and builds gamma/beta with the input sizes in that order,
then RESHAPES (not transposes) them to the broadcast shape; that is reproduced exactly. Trailing
contiguous axes use F.layer_norm; other axis sets use the explicit formula.
"""

import warnings

import torch
import torch.nn.functional as F

from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.normalization import _utils as U
from torchkeras.layers.normalization.base_normalization import AffineNormalization


class LayerNormalization(AffineNormalization):
    """Normalises each example over `axis` (int or list of ints); weights gamma (if scale), beta (if center).

    `rms_scaling=True` (deprecated in Keras) scales by rsqrt(variance + epsilon) without centering and
    creates no beta, as Keras does.
    """

    _config_head = ("axis", "epsilon", "center", "scale", "rms_scaling")

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument scales the input "
                          "by the variance, not the root mean square. For RMS normalization use "
                          "`keras.layers.RMSNormalization` instead.", stacklevel=2)
        super().__init__(**kwargs)
        self.axis = U.check_axis_arg(axis, self)
        self.rms_scaling = rms_scaling
        self._init_affine(epsilon, center, scale, locals())
        # Keras disables autocast here: float64 inputs are normalised in float64.
        self.autocast = False
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, input_shape):
        ndim = len(input_shape)
        U.normalize_axes(self.axis, ndim, self, input_shape)
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
        else:
            self.axis = [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(f"The normalized axes {self.axis} of the input to LayerNormalization {self.name!r} "
                             f"must have defined dimensions. Received input_shape={tuple(input_shape)}.")
        self._param_shape = shape
        self._layouts = {}
        self._pos_axes, self._bshape, self._fused, self._norm_shape = self._layout(ndim, input_shape)
        self._build_affine(shape, self.scale or self.rms_scaling, self.center and not self.rms_scaling)

    def _layout(self, ndim, input_shape):
        """(sorted positive axes, gamma's broadcast shape, fused?, F.layer_norm's shape) for a rank."""
        found = self._layouts.get(ndim)
        if found is None:
            U.normalize_axes(self.axis, ndim, self, input_shape)
            pos = sorted(a % ndim for a in self.axis)
            if tuple(input_shape[a] for a in self.axis) != tuple(self._param_shape):
                self._size_error(input_shape)
            # F.layer_norm covers the case of normalising the last k axes.
            found = (pos, U.broadcast_shape(ndim, [a % ndim for a in self.axis], self._param_shape),
                     pos == list(range(ndim - len(pos), ndim)), tuple(input_shape[a] for a in pos))
            self._layouts[ndim] = found
        return found

    def _size_error(self, input_shape):
        raise ValueError(f"LayerNormalization {self.name!r} was built for normalized axes {self.axis} of sizes "
                         f"{tuple(self._param_shape)}; received an input of shape {tuple(input_shape)}. Pass inputs "
                         "whose normalized axes have the sizes the layer was built with.")

    def call(self, inputs):
        x = U.compute_float(inputs)
        gamma, beta = self._affine_params(x)
        pos, bshape, fused, norm_shape = (
            (self._pos_axes, self._bshape, self._fused, self._norm_shape) if inputs.dim() == len(self._bshape)
            # Keras keeps `axis` as given (negative axes count from the end), so the built layer also
            # normalises inputs of another rank whose normalized axes have the built sizes.
            else self._layout(inputs.dim(), tuple(inputs.shape)))
        if any(inputs.shape[a] != n for a, n in zip(pos, norm_shape)):
            self._size_error(tuple(inputs.shape))
        if self.rms_scaling:
            var = torch.var(x, dim=pos, correction=0, keepdim=True)
            out = x * torch.rsqrt(var + self.epsilon)
            if gamma is not None:
                out = out * gamma.reshape(bshape)
        elif fused:
            out = F.layer_norm(x, norm_shape,
                               None if gamma is None else gamma.reshape(norm_shape),
                               None if beta is None else beta.reshape(norm_shape), self.epsilon)
        else:
            var, mean = torch.var_mean(x, dim=pos, correction=0, keepdim=True)
            inv = torch.rsqrt(var + self.epsilon)
            if gamma is not None:
                inv = inv * gamma.reshape(bshape)
            res = -mean * inv
            if beta is not None:
                res = res + beta.reshape(bshape)
            out = x * inv + res
        return out.to(torch_dtype(self.compute_dtype))
