"""Adamax (Keras 3 rule and defaults)."""

import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class Adamax(Optimizer):
    """m += (g-m)(1-b1); u = max(b2*u, |g|); p -= lr*m / ((1-b1^t)*(u+eps))."""

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

    def _slot_passes(self):
        return [(("momentum", 0.0), ("norm", 0.0))]

    def _update(self, params, grads, states, lr, local_step, dt):
        beta_1_power = dt(self.beta_1) ** local_step
        m = [s["momentum"] for s in states]
        u = [s["norm"] for s in states]
        torch._foreach_lerp_(m, grads, float(dt(1 - self.beta_1)))
        torch._foreach_mul_(u, float(dt(self.beta_2)))
        torch._foreach_maximum_(u, self._abs_sums(grads))
        denom = torch._foreach_add(u, float(dt(self.epsilon)))
        torch._foreach_mul_(denom, float(dt(1.0) - beta_1_power))
        step = torch._foreach_mul(m, float(lr))
        torch._foreach_div_(step, denom)
        torch._foreach_sub_(params, step)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
