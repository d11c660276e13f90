"""BatchNormalization with Keras 3 semantics on torch buffers.

Keras's moving statistics follow `moving = moving * momentum + batch * (1 - momentum)` with the BIASED
batch variance, while torch's running_var uses the unbiased one, so the buffers are updated here and
never by F.batch_norm. Training mode needs `training=True` AND `layer.trainable`: a frozen layer
normalises with its moving statistics even inside fit (Keras 3).
"""

import torch
import torch.nn.functional as F

from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.normalization import _utils as U
from torchkeras.layers.normalization.base_normalization import AffineNormalization

_MASK_EPS = 1e-7  # keras.backend.epsilon(), added to the masked element count


def _float(value, arg, layer):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Argument `{arg}` of {type(layer).__name__} must be a float. "
                         f"Received: {arg}={value!r}") from None


class BatchNormalization(AffineNormalization):
    """Normalises each feature on `axis` with batch statistics (training) or moving ones (inference).

    Weights, in Keras order: gamma (if scale), beta (if center), moving_mean, moving_variance, and with
    renorm=True moving_stddev, renorm_mean, renorm_stddev. torch names: weight, bias, running_mean,
    running_var (buffers for the non-trainable ones).
    """

    _config_head = ("axis", "momentum", "epsilon", "center", "scale")
    _more_initializers = ("moving_mean", "moving_variance")

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = U.check_axis_arg(axis, self, allow_list=False)
        self.synchronized = bool(synchronized)
        self.momentum = _float(momentum, "momentum", self)
        self._init_affine(_float(epsilon, "epsilon", self), center, scale, locals())
        self.renorm = bool(renorm)
        if self.renorm:
            renorm_clipping = renorm_clipping or {}
            bad = set(renorm_clipping) - {"rmax", "rmin", "dmax"}
            if bad:
                raise ValueError(f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. "
                                 "Supported values: ['rmax', 'rmin', 'dmax'].")
            rmax, rmin, dmax = (renorm_clipping.get(k) for k in ("rmax", "rmin", "dmax"))
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError("rmax should be greater than rmin in the `renorm_clipping` argument. "
                                 f"Received: rmax={rmax}, rmin={rmin}.")
            if dmax is not None and dmax < 0:
                raise ValueError(f"dmax should be non-negative in the `renorm_clipping` argument. "
                                 f"Received: dmax={dmax}.")
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self._moving_mean = self._moving_variance = None
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    # ------------------------------------------------------------------ weights
    def build(self, input_shape):
        ndim = len(input_shape)
        self._axis = U.normalize_axes(self.axis, ndim, self, input_shape)
        dim = input_shape[self._axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of the input to BatchNormalization {self.name!r} must have a "
                             f"defined dimension. Received input_shape={tuple(input_shape)}.")
        self._build_affine((dim,), self.scale, self.center)
        self.register_buffer("running_mean", self._initial(self.moving_mean_initializer, (dim,)))
        self._moving_mean = self._track_variable(self, "running_mean", "moving_mean", trainable=False)
        self.register_buffer("running_var", self._initial(self.moving_variance_initializer, (dim,)))
        self._moving_variance = self._track_variable(self, "running_var", "moving_variance", trainable=False)
        if self.renorm:
            # Renorm tracks standard deviations; they start at sqrt of the variance initializer.
            for attr, init, sqrt in (("moving_stddev", self.moving_variance_initializer, True),
                                     ("renorm_mean", self.moving_mean_initializer, False),
                                     ("renorm_stddev", self.moving_variance_initializer, True)):
                self.register_buffer(attr, self._initial(init.clone() if hasattr(init, "clone") else init, (dim,),
                                                        sqrt))
                self._track_variable(self, attr, attr, trainable=False)
        self.input_spec = InputSpec(ndim=ndim, axes={self._axis: dim})
        self._reduction_axes = [i for i in range(ndim) if i != self._axis]
        self._bshape = U.broadcast_shape(ndim, [self._axis], [dim])

    moving_mean = property(lambda self: self._moving_mean)
    moving_variance = property(lambda self: self._moving_variance)

    # ------------------------------------------------------------------ call
    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError("The mask provided should be one dimension less than the inputs. Received: "
                             f"mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}")
        x = U.compute_float(inputs)
        gamma, beta = self._affine_params(x)
        if training and self.trainable:
            out = self._train(x, mask, gamma, beta)
        elif x.dim() >= 2:
            # Inference: torch's kernel computes x * (gamma * rsqrt(var + eps)) + (beta - mean * that), as TF.
            mean, var = self.running_mean.to(x.dtype), self.running_var.to(x.dtype)
            out = U.on_channels_axis(x, self._axis, lambda t: F.batch_norm(t, mean, var, gamma, beta, False, 0.0,
                                                                          self.epsilon))
        else:
            out = self._normalize(x, self.running_mean.to(x.dtype), self.running_var.to(x.dtype), gamma, beta)
        return out.to(torch_dtype(self.compute_dtype))

    def _normalize(self, x, mean, var, gamma, beta):
        inv = torch.rsqrt(var + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        shift = -mean * inv if beta is None else beta - mean * inv
        return x * inv.reshape(self._bshape) + shift.reshape(self._bshape)

    def _train(self, x, mask, gamma, beta):
        if mask is None and not self.renorm and x.dim() >= 2 and not (self.synchronized and _distributed()):
            out = self._train_fused(x, gamma, beta)
            if out is not None:
                return out
        mean, var = self._moments(x, mask)
        m = self.momentum
        with torch.no_grad():
            bm, bv = mean.detach(), var.detach()
            if self.renorm:
                r, d = self._renorm(bm, bv, x.dtype)
            else:
                self.running_mean.copy_(self.running_mean.to(x.dtype) * m + bm * (1.0 - m))
                self.running_var.copy_(self.running_var.to(x.dtype) * m + bv * (1.0 - m))
        if self.renorm:
            # (x_hat * r + d) * gamma + beta, with r and d constants for the gradient.
            beta = (d if gamma is None else d * gamma) + (0.0 if beta is None else beta)
            gamma = r if gamma is None else r * gamma
        return self._normalize(x, mean, var, gamma, beta)

    def _train_fused(self, x, gamma, beta):
        """Training-mode normalisation in torch's batch-norm kernel (one pass for the statistics,
        a channels-last path, a fused backward) instead of var_mean and elementwise ops: about 3x
        cheaper forward and backward on image batches. The kernel's own running-statistics update
        is pointed at scratch buffers with momentum 1, so they receive the batch mean and the
        UNBIASED variance, from which Keras's update (biased variance) is made here. None when the
        batch has a single value per channel (torch refuses it; the general path handles it)."""
        dim = x.shape[self._axis]
        n = x.numel() // dim
        if n < 2:
            return None
        mean = torch.zeros(dim, dtype=x.dtype, device=x.device)
        var = torch.zeros(dim, dtype=x.dtype, device=x.device)
        if dim < 16 and x.dim() == 4 and self._axis == 3 and x.device.type == "cpu":
            # torch's channels-last batch-norm backward on CPU is ~4x slower than the channels-first
            # one when there are fewer channels than a vector register holds (measured 11 ms vs 2.7 ms
            # for 8 channels at 128x32x32): normalise a channels-first copy instead (and hand the
            # next layer channels-last memory again, so relu and conv backward see one layout).
            out = _Relayout.apply(F.batch_norm(_Relayout.apply(x, (0, 3, 1, 2)), mean, var, gamma, beta, True,
                                               1.0, self.epsilon), (0, 2, 3, 1))
        else:
            out = U.on_channels_axis(x, self._axis, lambda t: F.batch_norm(t, mean, var, gamma, beta, True,
                                                                          1.0, self.epsilon))
        m = self.momentum
        with torch.no_grad():  # (the scratch buffers are saved for the backward: left unchanged)
            self.running_mean.copy_(self.running_mean.to(x.dtype) * m + mean * (1.0 - m))
            self.running_var.copy_(self.running_var.to(x.dtype) * m + var * ((n - 1) / n * (1.0 - m)))
        return out

    def _moments(self, x, mask):
        red = self._reduction_axes
        if mask is None:
            if self.synchronized and _distributed():
                return _synced_moments(x, red, self._axis)
            var, mean = torch.var_mean(x, dim=red, correction=0)
            return mean, var
        keep = torch.broadcast_to(mask.unsqueeze(-1), x.shape).bool()
        count = keep.to(x.dtype).sum(red, keepdim=True) + _MASK_EPS
        mean = torch.where(keep, x, 0).sum(red, keepdim=True) / count
        var = torch.where(keep, x - mean, 0).square().sum(red, keepdim=True) / count
        return mean.reshape(-1), var.reshape(-1)

    def _renorm(self, mean, var, dtype):
        """Batch renormalization: returns the corrections (r, d) and updates all moving statistics."""
        eps = self.epsilon
        std = torch.sqrt(var + eps)
        rmean, rstd = self.renorm_mean.to(dtype), self.renorm_stddev.to(dtype)
        rstd_safe = torch.clamp(rstd, min=eps ** 0.5)
        r, d = std / rstd_safe, (mean - rmean) / rstd_safe
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = torch.clamp(r, min=clip["rmin"])
        if clip.get("rmax") is not None:
            r = torch.clamp(r, max=clip["rmax"])
        if clip.get("dmax") is not None:
            d = torch.clamp(d, -clip["dmax"], clip["dmax"])
        rm, m = self.renorm_momentum, self.momentum
        self.renorm_mean.copy_(rmean * rm + mean * (1.0 - rm))
        self.renorm_stddev.copy_(rstd * rm + std * (1.0 - rm))
        self.running_mean.copy_(self.running_mean.to(dtype) * m + mean * (1.0 - m))
        new_std = self.moving_stddev.to(dtype) * m + std * (1.0 - m)
        self.moving_stddev.copy_(new_std)
        self.running_var.copy_(torch.relu(new_std * new_std - eps))
        return r, d

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"synchronized": self.synchronized, "renorm": self.renorm,
                    "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum})
        return cfg


def _distributed():
    import torch.distributed as dist
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _synced_moments(x, red, axis):
    """Global batch moments across the process group (synchronized=True), differentiable."""
    from torch.distributed.nn.functional import all_reduce
    stats = torch.stack([x.sum(red), x.square().sum(red)])
    count = torch.tensor(float(x.numel() // x.shape[axis]), dtype=x.dtype, device=x.device)
    stats = all_reduce(stats)
    count = all_reduce(count)
    mean = stats[0] / count
    return mean, torch.clamp(stats[1] / count - mean.square(), min=0.0)


class _Relayout(torch.autograd.Function):
    """`x.permute(dims)` copied to contiguous memory, whose gradient is copied back to contiguous memory
    in the input's order (a plain `.contiguous()` passes a permuted, non-contiguous gradient on)."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return x.permute(dims).contiguous()

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(ctx.inverse).contiguous(), None
