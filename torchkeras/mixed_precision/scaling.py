"""Dynamic loss scaling for float16 training (Keras's LossScaleOptimizer, through torch.amp)."""

import torch


class LossScaler:
    """Scales the loss before backward, unscales the gradients and skips the optimizer step
    when they overflow (then lowers the scale), as Keras's LossScaleOptimizer does."""

    def __init__(self, device_type="cpu", initial_scale=2.0 ** 15, growth_interval=2000):
        self.scaler = torch.amp.GradScaler(device_type, init_scale=initial_scale,
                                           growth_interval=growth_interval)

    @property
    def scale(self):
        return self.scaler.get_scale()

    def backward_and_step(self, loss, optimizer):
        self.scaler.scale(loss).backward()
        self.scaler.step(optimizer)
        self.scaler.update()


def scaler_for(model, auto_scale_loss=True):
    """A LossScaler when `model` computes in float16 and compile asked for scaling, else None."""
    from .policy import uses_float16

    if not auto_scale_loss or not uses_float16(model):
        return None
    device = next((p.device.type for p in model.parameters()), "cpu")
    return LossScaler(device)
