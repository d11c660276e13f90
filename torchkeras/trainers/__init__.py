"""Training loop: Trainer (compile/fit/evaluate/predict), data adapters, progress bar."""

from torchkeras.utils.progbar import Progbar

from .trainer import Trainer

__all__ = ["Progbar", "Trainer"]
