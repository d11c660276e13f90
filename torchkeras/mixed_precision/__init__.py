"""Keras's mixed precision API: dtype policies run layers under torch.autocast; variables stay
float32; float16 training scales the loss with torch.amp.GradScaler."""

from torchkeras.mixed_precision.policy import (
    DTypePolicy,
    Policy,
    dtype_policy,
    global_policy,
    set_dtype_policy,
    set_global_policy,
)
from torchkeras.mixed_precision.scaling import LossScaler

__all__ = ["DTypePolicy", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy", "LossScaler"]
