"""torchkeras.distillation: Keras 3's knowledge distillation (teacher -> student)."""

from torchkeras.distillation.distillation_loss import (
    DistillationLoss,
    FeatureDistillation,
    LogitsDistillation,
)
from torchkeras.distillation.distiller import Distiller

__all__ = ["DistillationLoss", "Distiller", "FeatureDistillation", "LogitsDistillation"]
