"""FTRL-Proximal (Keras 3 rule and defaults)."""

import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class Ftrl(Optimizer):
    """Follow-the-regularized-leader with L1/L2 and L2-shrinkage regularization, as Keras."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        for arg, value, rule in (
                ("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                ("learning_rate_power", -learning_rate_power, "negative or zero"),
                ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                 "positive or zero")):
            if value < 0.0:
                shown = -value if arg == "learning_rate_power" else value
                raise ValueError(f"`{arg}` needs to be {rule}. Received: {arg}={shown}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    def _slot_passes(self):
        return [(("accumulator", float(self.initial_accumulator_value)), ("linear", 0.0))]

    def _update(self, params, grads, states, lr, local_step, dt):
        power = float(dt(-self.learning_rate_power))
        l1 = float(dt(self.l1_regularization_strength))
        l2 = dt(self.l2_regularization_strength) + dt(self.beta) / (dt(2.0) * lr)
        shrink = float(dt(2 * self.l2_shrinkage_regularization_strength))
        for p, g, g_sq, s in zip(params, grads, self._squares(grads), states):
            accum, linear = s["accumulator"], s["linear"]
            grad_to_use = g + p * shrink
            new_accum = accum + g_sq
            new_pow = torch.pow(new_accum, power)
            sigma = (new_pow - torch.pow(accum, power)) / float(lr)
            linear.add_(grad_to_use - sigma * p)
            quadratic = new_pow / float(lr) + float(dt(2.0) * l2)
            clipped = torch.clamp(linear, -l1, l1)
            p.copy_((clipped - linear) / quadratic)
            accum.copy_(new_accum)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
