"""Keras's mixed precision API: dtype policies run layers under torch.autocast; variables stay
float32; float16 training scales the loss with torch.amp.GradScaler.

`DTypePolicy` / `Policy` and `LossScaleOptimizer` are the very classes of keras.dtype_policies and
keras.optimizers (as in Keras); they load on first access because both packages import this one.
"""

from torchkeras.mixed_precision.policy import (
    dtype_policy,
    global_policy,
    set_dtype_policy,
    set_global_policy,
)
from torchkeras.mixed_precision.scaling import LossScaler


def __getattr__(name):
    if name in ("DTypePolicy", "Policy"):
        from torchkeras.dtype_policies import DTypePolicy
        return DTypePolicy
    if name == "LossScaleOptimizer":
        from torchkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
        return LossScaleOptimizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DTypePolicy", "Policy", "LossScaleOptimizer", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy", "LossScaler"]
