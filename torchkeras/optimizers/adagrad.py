"""Adagrad (Keras 3 rule and defaults)."""

import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class Adagrad(Optimizer):
    """acc += g^2 (acc starts at initial_accumulator_value); p -= lr*g/sqrt(acc + eps)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    def _slot_passes(self):
        return [(("accumulator", float(self.initial_accumulator_value)),)]

    def _update(self, params, grads, states, lr, local_step, dt):
        acc = [s["accumulator"] for s in states]
        torch._foreach_add_(acc, self._squares(grads))
        denom = torch._foreach_add(acc, float(dt(self.epsilon)))
        torch._foreach_sqrt_(denom)
        step = torch._foreach_mul(grads, float(lr))
        torch._foreach_div_(step, denom)
        torch._foreach_sub_(params, step)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
