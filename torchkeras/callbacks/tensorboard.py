import os
import time

from .callback import Callback


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as e:  # torch's module imports the `tensorboard` package itself
        raise ImportError(
            "The TensorBoard callback needs the `tensorboard` package, which is not installed "
            "(torchkeras writes its logs through torch.utils.tensorboard). Install it with "
            "`pip install tensorboard`, or remove the TensorBoard callback.") from e
    return SummaryWriter


class TensorBoard(Callback):
    """Write training logs for TensorBoard, in Keras's layout, through `torch.utils.tensorboard`.

    `log_dir/train` receives `epoch_<metric>` scalars (step = epoch), `epoch_learning_rate`,
    `batch_<metric>` scalars every `update_freq` batches when it is an integer (step = global
    batch), and weight histograms `<weight path>/histogram` every `histogram_freq` epochs;
    `log_dir/validation` receives the `val_` metrics without the prefix and
    `evaluation_<metric>_vs_iterations` after each evaluation inside `fit`.
    Graph, image, profiler and embedding logging of tf.keras are accepted and ignored.
    Needs the optional `tensorboard` package.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self._writer_cls = _summary_writer_class()
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool)
                                       or not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError("Unrecognized `update_freq`: expected 'epoch', 'batch' or a "
                             f"positive integer. Received: update_freq={update_freq!r}")
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start = None
        self._epoch_start_batch = 0
        if update_freq != "epoch":
            # Only then per-batch hooks: a hook makes the loop read the metrics every step.
            self.on_train_batch_end = self._log_batch

    @property
    def _train_dir(self):
        return os.path.join(self.log_dir, "train")

    @property
    def _val_dir(self):
        return os.path.join(self.log_dir, "validation")

    def _writer(self, which):
        if which not in self._writers:
            self._writers[which] = self._writer_cls(
                log_dir=self._train_dir if which == "train" else self._val_dir)
        return self._writers[which]

    def _iterations(self):
        opt = getattr(self.model, "optimizer", None)
        return int(getattr(opt, "iterations", 0)) if opt is not None else 0

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._epoch_start_batch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_start_batch = self._global_train_batch

    def _log_batch(self, batch, logs=None):
        self._global_train_batch += 1
        if self._global_train_batch % self.update_freq:
            return
        w = self._writer("train")
        for name, value in (logs or {}).items():
            w.add_scalar(f"batch_{name}", value, self._global_train_batch)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        opt = getattr(self.model, "optimizer", None)
        if opt is not None and hasattr(opt, "learning_rate"):
            try:
                train["learning_rate"] = float(opt.learning_rate)
            except (TypeError, ValueError):
                pass
        if self.write_steps_per_second and self._epoch_start is not None:
            steps = (self._global_train_batch - self._epoch_start_batch) or self.params.get("steps")
            train["steps_per_second"] = (steps or 0) / max(time.time() - self._epoch_start, 1e-9)
        for which, values in (("train", train), ("validation", val)):
            if values:
                w = self._writer(which)
                for name, value in values.items():
                    w.add_scalar(f"epoch_{name}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for w in self._writers.values():
            w.flush()

    def _log_weights(self, epoch):
        w = self._writer("train")
        for layer in getattr(self.model, "layers", []):
            for weight in layer.weights:
                w.add_histogram(f"{weight.path.replace(':', '_')}/histogram", weight.numpy(), epoch)

    def on_test_end(self, logs=None):
        if getattr(self.model, "optimizer", None) is None or not logs:
            return
        w = self._writer("validation")
        step = self._iterations()
        for name, value in logs.items():
            w.add_scalar(f"evaluation_{name}_vs_iterations", value, step)
        w.flush()

    def on_train_end(self, logs=None):
        for w in self._writers.values():
            w.close()
        self._writers = {}
