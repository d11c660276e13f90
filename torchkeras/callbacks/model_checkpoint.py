import os
import tempfile
import warnings

import numpy as np
import torch

from .monitor_callback import MonitorCallback


def _atomic_torch_save(obj, path):
    import torch

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp_ckpt_")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class ModelCheckpoint(MonitorCallback):
    """Save the model (`model.save`) or its weights (`model.save_weights`) during training.

    `filepath` may hold format fields filled from the epoch (1-based) and the logs:
    `"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`. With `save_best_only`, only epochs that improve
    `monitor` are saved. `save_freq` is "epoch" or a number of batches.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer values")
        if save_weights_only:
            if self.filepath.endswith((".h5", ".hdf5")) and not self.filepath.endswith(
                    ".weights.h5"):
                # Keras 2 scripts checkpoint to "weights.best.hdf5"; Keras 3 refuses it.
                warnings.warn("Keras 3 requires a weights checkpoint path ending in "
                              f"`.weights.h5`; received filepath={self.filepath}. torchkeras "
                              "accepts it as a legacy (Keras 2) weights file.", stacklevel=2)
            elif not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                                 "filepath provided must end in `.weights.h5` (Keras weights "
                                 f"format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            self._batches_seen_since_last_saving += batch + 1
        else:
            self._batches_seen_since_last_saving += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None:
                return self.filepath.format(epoch=epoch + 1, **(logs or {}))
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **(logs or {}))
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from e

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=2)
            return True
        if np.ndim(current) > 0:
            warnings.warn("Can save best model only when `monitor` is a scalar value. Received: "
                          f"{current}. Falling back to `save_best_only=False`.", stacklevel=2)
            return True
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        bad = _non_finite_weights(self.model)
        if bad:
            # Beyond Keras: a diverged model never overwrites a good checkpoint.
            warnings.warn(f"ModelCheckpoint: not saving {filepath!r} at epoch {epoch + 1}: the model has "
                          f"non-finite (NaN or Inf) values in {', '.join(bad[:3])}"
                          f"{' ...' if len(bad) > 3 else ''}. The previous checkpoint is kept.", stacklevel=2)
            return
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        method = "save_weights" if self.save_weights_only else "save"
        saver = getattr(self.model, method, None)
        if callable(saver):
            saver(filepath)
        else:
            # Until the model has Keras saving, keep a torch checkpoint at the same path.
            _atomic_torch_save(self.model.state_dict(), filepath)


def _non_finite_weights(model):
    """Paths of weights holding NaN or Inf (one fused device check, then names only when needed)."""
    params = [p for p in model.parameters() if p.is_floating_point()]
    if not params:
        return []
    with torch.no_grad():
        ok = torch.stack([torch.isfinite(p).all() for p in params]).all()
    if bool(ok):
        return []
    return [getattr(w, "path", getattr(w, "name", "?")) for w in model.weights
            if np.asarray(w.numpy()).dtype.kind == "f" and not np.isfinite(w.numpy()).all()]
