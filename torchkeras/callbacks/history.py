from .callback import Callback


class History(Callback):
    """Records the epoch logs of `fit` in `history` (a dict of lists) and `epoch`."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        restored = self.model.__dict__.pop("_restored_history", None) if self.model is not None else None
        if restored is not None and not self.epoch:
            # A fit resumed by BackupAndRestore: the epochs run before the interruption come first.
            epochs, history = restored
            self.epoch = list(epochs)
            self.history = {k: list(v) for k, v in history.items()}
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # Keras hands the History back on the model too (`model.history`).
        if self.model is not None:
            self.model.history = self
