import numpy as np

from .callback import Callback
from .reduce_lr_on_plateau import _lr_value


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to `schedule(epoch, lr)` (or the old
    one-argument `schedule(epoch)`); adds "learning_rate" to the epoch logs. With a MultiOptimizer
    each sub-optimizer is scheduled from its own rate (logs `learning_rate_<name>`), as Keras."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, _lr_value(optimizer))
        except TypeError:
            lr = self.schedule(epoch)
        if hasattr(lr, "detach"):
            lr = lr.detach().cpu().numpy()
        if isinstance(lr, np.ndarray) and lr.ndim == 0:
            lr = lr[()]
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        optimizer.learning_rate = float(lr)
        return lr

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if hasattr(optimizer, "optimizers"):
            for opt in optimizer.optimizers:
                lr = self._update_optimizer_lr(opt, epoch)
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {opt.name} learning rate to {lr}.")
            return
        lr = self._update_optimizer_lr(optimizer, epoch)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        optimizer = self.model.optimizer
        if hasattr(optimizer, "optimizers"):
            for opt in optimizer.optimizers:
                logs[f"learning_rate_{opt.name}"] = _lr_value(opt)
        else:
            logs["learning_rate"] = _lr_value(optimizer)
