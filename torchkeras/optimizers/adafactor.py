"""Adafactor (Keras 3 rule and defaults; Shazeer & Stern 2018).

The second moment of a matrix (or of a kernel's last two axes) is factored into row and column
statistics over the variable's KERAS layout: a Conv2D kernel (kh, kw, in, out) factors over
(in, out), which is not torch's (out, in, kh, kw). The rule therefore runs on the Keras view of
each variable and maps its step back; `r`/`c` slots are kept in Keras's shapes."""

import numpy as np
import torch

from torchkeras.optimizers.base_optimizer import Optimizer


def _rms(x):
    return torch.sqrt(torch.mean(torch.square(x)))


class Adafactor(Optimizer):
    _keras_layout_slots = ("r", "c")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    def _keras_shape(self, p):
        view = self._views.get(id(p))
        return tuple(view.shape) if view is not None and hasattr(view, "shape") else tuple(
            p.shape)

    def _factored_slot(self, drop_axis):
        def init(p):
            shape = self._keras_shape(p)
            if len(shape) < 2:
                # Keras tracks a 0-d int placeholder for a vector's r and c
                return torch.zeros((), dtype=torch.int32, device=p.device)
            shape = shape[:drop_axis] + shape[drop_axis + 1:] if drop_axis != -1 else shape[:-1]
            return torch.zeros(shape, dtype=p.dtype, device=p.device)
        return init

    def _slot_passes(self):
        return [(("r", self._factored_slot(-1)), ("c", self._factored_slot(-2)),
                 ("velocity", 0.0))]

    def _to_keras(self, p, t):
        view = self._views.get(id(p))
        return view.to_keras(t) if view is not None and hasattr(view, "to_keras") else t

    def _to_torch(self, p, t):
        view = self._views.get(id(p))
        return view.to_torch(t) if view is not None and hasattr(view, "to_torch") else t

    def _update(self, params, grads, states, lr, local_step, dt):
        one = dt(1.0)
        inv_sqrt_step = one / np.sqrt(local_step)
        if self._lr_fn is None and self.relative_step:
            lr = min(lr, inv_sqrt_step)
        rho = min(lr, inv_sqrt_step)
        beta_2 = one - local_step ** dt(self.beta_2_decay)
        one_minus_b2 = float(one - beta_2)
        eps_1, eps_2 = float(dt(self.epsilon_1)), float(dt(self.epsilon_2))
        clip = float(dt(self.clip_threshold))
        for p, g, st in zip(params, grads, states):
            pk, gk = self._to_keras(p, p), self._to_keras(p, g)
            alpha = torch.clamp(_rms(pk), min=eps_2) * float(rho)
            reg = torch.square(gk) + eps_1
            if st["r"].dim() > 0:
                r, c = st["r"], st["c"]
                r.copy_(float(beta_2) * r + one_minus_b2 * torch.mean(reg, dim=-1))
                c.copy_(float(beta_2) * c + one_minus_b2 * torch.mean(reg, dim=-2))
                vk = (r / torch.mean(r, dim=-1, keepdim=True)).unsqueeze(-1) * c.unsqueeze(-2)
                st["velocity"].copy_(self._to_torch(p, vk))
            else:
                v = st["velocity"]
                v.copy_(float(beta_2) * v + one_minus_b2 * reg)
                vk = v
            u = gk / torch.sqrt(vk)
            u_hat = u / torch.clamp(_rms(u) / clip, min=1.0)
            p.sub_(self._to_torch(p, alpha * u_hat))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config
