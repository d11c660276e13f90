import json
import os
import shutil

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
            with open(self._training_metadata_path) as f:
                metadata = json.load(f)
            model._initial_epoch = int(metadata["epoch"])
            self._current_epoch = model._initial_epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

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

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for src, dst in ((self._weights_path, self._prev_weights_path),
                             (self._training_metadata_path, self._prev_training_metadata_path)):
                if os.path.exists(src):
                    shutil.copyfile(src, dst)
        self.model.save_weights(self._weights_path, overwrite=True)
        with open(self._training_metadata_path, "w") as f:
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch_seen}, f)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
