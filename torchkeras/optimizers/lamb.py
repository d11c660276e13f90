"""Lamb (Keras 3 rule and defaults): Adam's bias-corrected step rescaled per variable by the
trust ratio ||w|| / ||step||."""

import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class Lamb(Optimizer):
    """m += (g-m)(1-b1); v += (g^2-v)(1-b2); u = (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps);
    p -= ratio*lr*u with ratio = ||p||/||u|| (1 when either norm is 0); powers in float32."""

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
        return [(("momentum", 0.0), ("velocity", 0.0))]

    def _update(self, params, grads, states, lr, local_step, dt):
        one = dt(1.0)
        beta_1_power = dt(self.beta_1) ** local_step
        beta_2_power = dt(self.beta_2) ** local_step
        m = [s["momentum"] for s in states]
        v = [s["velocity"] for s in states]
        # Keras forms `1 - beta` in Python double, then casts to the variable's dtype
        torch._foreach_lerp_(m, grads, float(dt(1 - self.beta_1)))
        torch._foreach_lerp_(v, self._squares(grads), float(dt(1 - self.beta_2)))
        m_hat = torch._foreach_div(m, float(one - beta_1_power))
        v_sqrt = torch._foreach_div(v, float(one - beta_2_power))
        torch._foreach_sqrt_(v_sqrt)
        torch._foreach_add_(v_sqrt, float(dt(self.epsilon)))
        update = torch._foreach_div(m_hat, v_sqrt)
        w_norms = torch._foreach_norm(params)
        g_norms = torch._foreach_norm(update)
        for p, u, w_norm, g_norm in zip(params, update, w_norms, g_norms):
            ratio = torch.where(w_norm > 0, torch.where(g_norm > 0, w_norm / g_norm, 1.0), 1.0)
            p.sub_(ratio * float(lr) * u)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
