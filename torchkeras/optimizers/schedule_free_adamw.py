"""ScheduleFreeAdamW (Keras 3 rule and defaults; Defazio et al. 2024)."""

import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW: the variable holds y = (1-b1) z + b1 x, the `momentum` slot holds z
    (starting at the variable's value) and x is the running average of the z iterates."""

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    def _slot_passes(self):
        return [(("momentum", lambda p: p.detach().clone()), ("velocity", 0.0))]

    def _update(self, params, grads, states, lr, local_step, dt):
        one = dt(1.0)
        beta_1, beta_2 = dt(self.beta_1), dt(self.beta_2)
        if self.warmup_steps > 0:
            lr = lr * min(local_step / dt(self.warmup_steps), one)
        # Keras casts beta to the variable dtype first: `1 - beta` is taken in float32 here
        one_minus_b1, one_minus_b2 = float(one - beta_1), float(one - beta_2)
        bias_correction_2 = float(one - beta_2 ** local_step)
        weight = one / local_step
        z = [s["momentum"] for s in states]
        v = [s["velocity"] for s in states]
        torch._foreach_lerp_(v, self._squares(grads), one_minus_b2)
        denom = torch._foreach_div(v, bias_correction_2)
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, float(dt(self.epsilon)))
        step = torch._foreach_mul(grads, float(lr))
        torch._foreach_div_(step, denom)
        torch._foreach_sub_(z, step)
        # Keras reads its "momentum_old" through the variable itself (TF's `.value` is the
        # live variable), so x_old is formed with the already-updated z: so here.
        x_old = torch._foreach_sub(params, torch._foreach_mul(z, one_minus_b1))
        torch._foreach_div_(x_old, float(beta_1))
        x_new = torch._foreach_mul(x_old, float(one - weight))
        torch._foreach_add_(x_new, torch._foreach_mul(z, float(weight)))
        y_new = torch._foreach_mul(z, one_minus_b1)
        torch._foreach_add_(y_new, torch._foreach_mul(x_new, float(beta_1)))
        torch._foreach_copy_(params, y_new)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
