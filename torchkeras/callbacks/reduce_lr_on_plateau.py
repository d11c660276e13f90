import warnings

import numpy as np

from .monitor_callback import MonitorCallback


def _lr_value(optimizer):
    return float(np.asarray(optimizer.learning_rate, dtype=np.float64))


def _sub_optimizers(optimizer):
    # Keras's duck-typing: a MultiOptimizer (anything with `.optimizers`) is handled per sub-optimizer.
    return list(optimizer.optimizers) if hasattr(optimizer, "optimizers") else None


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` when `monitor` stops improving for `patience`
    epochs; waits `cooldown` epochs after a reduction; never goes below `min_lr`. Adds
    "learning_rate" to the epoch logs, as Keras does."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, use "
                          "`min_delta` instead.", stacklevel=2)
        if kwargs:
            raise ValueError(f"Unrecognized arguments for ReduceLROnPlateau: {sorted(kwargs)}")
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        subs = _sub_optimizers(self.model.optimizer)
        if subs is not None:
            for opt in subs:
                logs[f"learning_rate_{opt.name}"] = _lr_value(opt)
        else:
            logs["learning_rate"] = _lr_value(self.model.optimizer)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: {','.join(logs)}.",
                          stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                subs = _sub_optimizers(self.model.optimizer)
                # As Keras: a MultiOptimizer's sub-optimizers are each reduced from their own rate.
                reduced = [self._reduce_optimizer_lr(opt, epoch, opt.name) for opt in subs] if subs is not None \
                    else [self._reduce_optimizer_lr(self.model.optimizer, epoch)]
                if any(reduced):
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def _reduce_optimizer_lr(self, optimizer, epoch, name=""):
        old_lr = _lr_value(optimizer)
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name_str = f" {name}" if name else ""
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning rate to {new_lr}.")
        return True
