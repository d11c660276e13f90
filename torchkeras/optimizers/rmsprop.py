"""RMSprop (Keras 3 rule and defaults: epsilon inside the square root)."""

import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class RMSprop(Optimizer):
    """v = rho*v + (1-rho)*g^2; inc = lr*g/sqrt(v + eps) (centered: sqrt(v - mg^2 + eps));
    momentum: mom = momentum*mom + inc, p -= mom; otherwise p -= inc."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    def _slot_passes(self):
        passes = [(("velocity", 0.0),)]
        if self.momentum > 0:
            passes.append((("momentum", 0.0),))
        if self.centered:
            passes.append((("average_gradient", 0.0),))
        return passes

    def _update(self, params, grads, states, lr, local_step, dt):
        rho, one_minus_rho = float(dt(self.rho)), float(dt(1 - self.rho))
        vel = [s["velocity"] for s in states]
        torch._foreach_mul_(vel, rho)
        # Fused (1-rho)*g*g: same terms as Keras, float32 rounding may differ by an ulp.
        if self._sparse_by_grad:
            torch._foreach_add_(vel, torch._foreach_mul(self._squares(grads), one_minus_rho))
        else:
            torch._foreach_addcmul_(vel, grads, grads, one_minus_rho)
        if self.centered:
            avg = [s["average_gradient"] for s in states]
            torch._foreach_mul_(avg, rho)
            torch._foreach_add_(avg, torch._foreach_mul(grads, one_minus_rho))
            denom = torch._foreach_sub(vel, torch._foreach_mul(avg, avg))
            torch._foreach_add_(denom, float(dt(self.epsilon)))
        else:
            denom = torch._foreach_add(vel, float(dt(self.epsilon)))
        torch._foreach_sqrt_(denom)
        if self.momentum <= 0:
            # The common (compile default) case in one fused kernel: p -= lr * g / denom.
            torch._foreach_addcdiv_(params, grads, denom, -float(lr))
            return
        increment = torch._foreach_mul(grads, float(lr))
        torch._foreach_div_(increment, denom)
        if self.momentum > 0:
            mom = [s["momentum"] for s in states]
            torch._foreach_mul_(mom, float(dt(self.momentum)))
            torch._foreach_add_(mom, increment)
            torch._foreach_sub_(params, mom)
        else:
            torch._foreach_sub_(params, increment)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
