"""Adadelta (Keras 3 rule and defaults: lr 1e-3 scales the step, unlike the paper's 1.0)."""

import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class Adadelta(Optimizer):
    """Eg2 = rho*Eg2 + (1-rho)*g^2; d = -sqrt(Ed2+eps)*g/sqrt(Eg2+eps);
    Ed2 = rho*Ed2 + (1-rho)*d^2; p += lr*d."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        self.rho = rho
        self.epsilon = epsilon
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    def _slot_passes(self):
        return [(("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0))]

    def _update(self, params, grads, states, lr, local_step, dt):
        rho, one_minus_rho = float(dt(self.rho)), float(dt(1 - self.rho))
        eps = float(dt(self.epsilon))
        acc_g = [s["accumulated_grad"] for s in states]
        acc_d = [s["accumulated_delta_var"] for s in states]
        torch._foreach_mul_(acc_g, rho)
        g_sq = self._squares(grads)
        torch._foreach_add_(acc_g, torch._foreach_mul(g_sq, one_minus_rho))
        rms_d = torch._foreach_add(acc_d, eps)
        torch._foreach_sqrt_(rms_d)
        rms_g = torch._foreach_add(acc_g, eps)
        torch._foreach_sqrt_(rms_g)
        delta = torch._foreach_mul(rms_d, grads)
        torch._foreach_div_(delta, rms_g)
        torch._foreach_neg_(delta)
        torch._foreach_mul_(acc_d, rho)
        dsq = list(torch._foreach_mul(delta, delta))
        if self._sparse_by_grad:
            # Per occurrence, delta is -g_k * rms_d/rms_g of its row: the squares sum to
            # (rms_d/rms_g)^2 * sum_k g_k^2.
            for i, g in enumerate(grads):
                if id(g) in self._sparse_by_grad:
                    dsq[i] = torch.square(rms_d[i] / rms_g[i]) * g_sq[i]
        torch._foreach_mul_(dsq, one_minus_rho)
        torch._foreach_add_(acc_d, dsq)
        torch._foreach_mul_(delta, float(lr))
        torch._foreach_add_(params, delta)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
