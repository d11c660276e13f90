"""SGD with optional (Nesterov) momentum (Keras 3 rule and defaults)."""

import torch

from torchkeras.optimizers.base_optimizer import Optimizer


class SGD(Optimizer):
    """m = momentum*m - lr*g; p += m (Nesterov: p += momentum*m - lr*g); no momentum: p -= lr*g."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        # Keras 3 insists on a float; Keras 2 scripts often pass `momentum=0`: accept ints too.
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not (
                0 <= momentum <= 1):
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: "
                             f"momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = nesterov
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    def _slot_passes(self):
        return [(("momentum", 0.0),)] if self.momentum != 0 else []

    def _update(self, params, grads, states, lr, local_step, dt):
        if self.momentum == 0:
            # One fused kernel (p + (-lr)*g); at most an ulp from Keras's p - g*lr.
            torch._foreach_add_(params, grads, alpha=-float(lr))
            return
        scaled = torch._foreach_mul(grads, float(lr))
        mu = float(dt(self.momentum))
        m = [s["momentum"] for s in states]
        torch._foreach_mul_(m, mu)
        torch._foreach_sub_(m, scaled)
        if self.nesterov:
            ahead = torch._foreach_mul(m, mu)
            torch._foreach_sub_(ahead, scaled)
            torch._foreach_add_(params, ahead)
        else:
            torch._foreach_add_(params, m)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
