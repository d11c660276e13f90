"""Nadam with Keras 3's momentum schedule u_t = b1*(1 - 0.5*0.96^t) (not torch's NAdam)."""

import numpy as np
import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class Nadam(Optimizer):
    """Nesterov Adam. Keras keeps the running product of u_t (`u_product`) as one
    optimizer-wide float32 scalar, updated once per step before the variables."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self._scalars["u_product"] = np.float32(1.0)

    def _slot_passes(self):
        return [(("momentum", 0.0), ("velocity", 0.0))]

    def _before_update(self):
        f = np.float32
        t = f(int(self.iterations) + 1)
        u = self._scalars["u_product"] * f(self.beta_1)
        self._scalars["u_product"] = u * (f(1.0) - f(0.5) * f(0.96) ** t)

    def _update(self, params, grads, states, lr, local_step, dt):
        one, half, decay = dt(1.0), dt(0.5), dt(0.96)
        beta_1, beta_2 = dt(self.beta_1), dt(self.beta_2)
        u_t = beta_1 * (one - half * decay ** local_step)
        u_t_1 = beta_1 * (one - half * decay ** (local_step + one))
        u_product_t = dt(self._scalars["u_product"])
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = beta_2 ** local_step
        m = [s["momentum"] for s in states]
        v = [s["velocity"] for s in states]
        # Here Keras subtracts the already-cast betas (1 - float32(b)), unlike Adam.
        torch._foreach_lerp_(m, grads, float(one - beta_1))
        torch._foreach_lerp_(v, self._squares(grads), float(one - beta_2))
        m_hat = torch._foreach_mul(m, float(u_t_1))
        torch._foreach_div_(m_hat, float(one - u_product_t_1))
        g_part = torch._foreach_mul(grads, float(one - u_t))
        torch._foreach_div_(g_part, float(one - u_product_t))
        torch._foreach_add_(m_hat, g_part)
        denom = torch._foreach_div(v, float(one - beta_2_power))
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, float(dt(self.epsilon)))
        torch._foreach_mul_(m_hat, float(lr))
        torch._foreach_div_(m_hat, denom)
        torch._foreach_sub_(params, m_hat)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
