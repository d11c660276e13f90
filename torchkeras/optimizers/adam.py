"""Adam (Keras 3 rule and defaults)."""

import numpy as np
import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class Adam(Optimizer):
    """Adam: m += (g-m)(1-b1); v += (g^2-v)(1-b2); p -= m*alpha/(sqrt(v)+eps) with
    alpha = lr*sqrt(1-b2^t)/(1-b1^t), the beta powers taken in float32 like Keras."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    def _slot_passes(self):
        passes = [(("momentum", 0.0), ("velocity", 0.0))]
        if self.amsgrad:
            passes.append((("velocity_hat", 0.0),))
        return passes

    def _constants(self, dt):
        """Per-dtype scalars, recomputed only when a hyperparameter is reassigned (numpy scalar
        math costs about a microsecond an operation, every step)."""
        key = (self.beta_1, self.beta_2, self.epsilon, dt)
        cached = self.__dict__.get("_const_cache")
        if cached is None or any(a is not b for a, b in zip(cached[0], key)):
            # Keras forms `1 - beta` in Python double, then casts: keep that rounding.
            cached = (key, (dt(1.0), dt(self.beta_1), dt(self.beta_2), float(dt(1 - self.beta_1)),
                            float(dt(1 - self.beta_2)), float(dt(self.epsilon))))
            self._const_cache = cached
        return cached[1]

    def _update(self, params, grads, states, lr, local_step, dt):
        one, beta_1, beta_2, one_minus_b1, one_minus_b2, eps = self._constants(dt)
        beta_1_power = beta_1 ** local_step
        beta_2_power = beta_2 ** local_step
        alpha = lr * np.sqrt(one - beta_2_power) / (one - beta_1_power)
        m = [s["momentum"] for s in states]
        v = [s["velocity"] for s in states]
        torch._foreach_lerp_(m, grads, one_minus_b1)
        torch._foreach_lerp_(v, self._squares(grads), one_minus_b2)
        if self.amsgrad:
            v_hat = [s["velocity_hat"] for s in states]
            torch._foreach_maximum_(v_hat, v)
            v = v_hat
        denom = torch._foreach_sqrt(v)
        torch._foreach_add_(denom, eps)
        if params[0].is_cpu:
            # p += (-alpha * m) / denom: the CPU kernel multiplies first, so this is bit for bit
            # Keras's p -= (m * alpha) / denom, in one pass instead of three.
            torch._foreach_addcdiv_(params, m, denom, -float(alpha))
        else:
            step = torch._foreach_mul(m, float(alpha))
            torch._foreach_div_(step, denom)
            torch._foreach_sub_(params, step)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon, "amsgrad": self.amsgrad})
        return config
