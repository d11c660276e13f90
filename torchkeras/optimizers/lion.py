"""Lion (Keras 3 rule and defaults)."""

import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class Lion(Optimizer):
    """p -= lr*sign(b1*m + (1-b1)*g); then m = b2*m + (1-b2)*g."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    def _slot_passes(self):
        return [(("momentum", 0.0),)]

    def _update(self, params, grads, states, lr, local_step, dt):
        one, beta_1, beta_2 = dt(1.0), dt(self.beta_1), dt(self.beta_2)
        m = [s["momentum"] for s in states]
        direction = torch._foreach_mul(m, float(beta_1))
        torch._foreach_add_(direction, torch._foreach_mul(grads, float(one - beta_1)))
        direction = [torch.sign(d) for d in direction]
        torch._foreach_mul_(direction, float(lr))
        torch._foreach_sub_(params, direction)
        torch._foreach_mul_(m, float(beta_2))
        torch._foreach_add_(m, torch._foreach_mul(grads, float(one - beta_2)))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
