import json
import os
import pickle
import random
import shutil
import warnings

import numpy as np
import torch

from .callback import Callback


class BackupAndRestore(Callback):
    """Back up the training state so that an interrupted `fit` resumes where it stopped.

    Keras's layout in `backup_dir`: `latest.weights.h5` (model and optimizer weights) and
    `training_metadata.json` (`{"epoch": next epoch to run, "batch": last batch seen}`), plus a
    `.bkp` copy of each with `double_checkpoint=True`. A later `fit` with the same `backup_dir`
    loads them and starts at the saved epoch. The directory is removed when training ends
    normally unless `delete_checkpoint=False`.

    Args:
        backup_dir: where the backup lives (one per training run).
        save_freq: "epoch", or an integer: back up every that many batches.
        double_checkpoint: keep the previous backup too, restored if the latest is unreadable.
        delete_checkpoint: remove `backup_dir` at the end of a completed `fit`.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed: BackupAndRestore needs a "
                             "directory to keep the training state in.")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq < 1):
            raise ValueError("Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq!r}. Expected either 'epoch' or a positive "
                             "integer (a number of batches).")
        self.backup_dir = str(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._prev_training_metadata_path = self._training_metadata_path + ".bkp"
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if save_freq != "epoch":
            # Only then a per-batch hook: a hook makes the loop build batch logs every step.
            self.on_train_batch_end = self._maybe_save_on_batch

    def on_train_begin(self, logs=None):
        try:
            self._load_model()
        except OSError:
            # A half-written latest backup: fall back to the previous one when there is one.
            if not (self.double_checkpoint and os.path.exists(self._prev_weights_path)):
                raise
            shutil.copyfile(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copyfile(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        model = self.model
        if not getattr(model, "built", True):
            raise ValueError("To use the BackupAndRestore callback, your model must be built "
                             f"before you call `fit()`. Model {getattr(model, 'name', model)!r} is "
                             "unbuilt: build it first by calling it on a batch of data.")
        if os.path.exists(self._weights_path):
            opt = getattr(model, "optimizer", None)
            if opt is not None and hasattr(opt, "built") and not opt.built:
                # The optimizer's slots must exist for its saved state to load into them.
                opt.build(model.trainable_weights)
            model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            try:
                with open(self._training_metadata_path) as f:
                    metadata = json.load(f)
                epoch = int(metadata["epoch"])
            except (ValueError, KeyError, TypeError) as e:
                raise OSError(f"The backup's training metadata {self._training_metadata_path!r} is "
                              f"damaged ({e}).") from e
            model._initial_epoch = epoch
            self._current_epoch = epoch
            # Beyond Keras: the History of the epochs already run, and the random streams as they were,
            # so a resumed fit ends exactly as an uninterrupted one (shuffling included).
            history = metadata.get("history")
            if isinstance(history, dict):
                model._restored_history = (list(metadata.get("epochs", [])), history)
            self._restore_rng()

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model(ended=(epoch, logs))

    def _maybe_save_on_batch(self, batch, logs=None):
        if batch <= self._last_batch_seen:      # a new epoch started
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save_model()

    def _save_model(self, ended=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for src, dst in ((self._weights_path, self._prev_weights_path),
                             (self._training_metadata_path, self._prev_training_metadata_path)):
                if os.path.exists(src):
                    shutil.copyfile(src, dst)
        self.model.save_weights(self._weights_path, overwrite=True)
        history = getattr(self.model, "history", None)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        epochs, logs = [], {}
        if history is not None and getattr(history, "history", None) is not None:
            epochs = [int(e) for e in history.epoch]
            logs = {k: [float(x) for x in v] for k, v in history.history.items()}
        if ended is not None and ended[0] not in epochs:
            # History records this epoch after the callbacks that precede it (this one) have run.
            epochs.append(int(ended[0]))
            for k, v in (ended[1] or {}).items():
                logs.setdefault(k, []).append(float(v))
        metadata["epochs"], metadata["history"] = epochs, logs
        self._save_rng()
        _atomic_json(self._training_metadata_path, metadata)

    @property
    def _rng_path(self):
        return os.path.join(self.backup_dir, "rng_state.pkl")

    def _save_rng(self):
        state = {"torch": torch.get_rng_state().numpy().tobytes(), "numpy": np.random.get_state(),
                 "python": random.getstate()}
        tmp = self._rng_path + ".tmp"
        with open(tmp, "wb") as f:
            pickle.dump(state, f)
        os.replace(tmp, self._rng_path)

    def _restore_rng(self):
        if not os.path.exists(self._rng_path):
            return
        try:
            with open(self._rng_path, "rb") as f:
                state = _RNGUnpickler(f).load()
            torch.set_rng_state(torch.frombuffer(bytearray(state["torch"]), dtype=torch.uint8))
            np.random.set_state(state["numpy"])
            random.setstate(state["python"])
        except (OSError, EOFError, KeyError, TypeError, ValueError, pickle.UnpicklingError) as e:
            warnings.warn(f"The backup's random-state file {self._rng_path!r} could not be read ({e}); "
                          "training resumes with the current random state.", stacklevel=2)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _atomic_json(path, obj):
    # A process killed mid-write must leave the previous metadata, never half a JSON file.
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class _RNGUnpickler(pickle.Unpickler):
    """Random states only: numpy arrays, tuples and numbers; no other class may be loaded."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a random-state file")
