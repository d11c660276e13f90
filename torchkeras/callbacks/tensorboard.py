import os
import time

import numpy as np

from .callback import Callback
from .tensorboard_events import (
    EventFileWriter,
    histogram_value,
    image_value,
    scalar_value,
    text_tensor_value,
)


def _to_float(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return float(np.asarray(value))


class TensorBoard(Callback):
    """Write training logs for TensorBoard, in Keras's layout and event format.

    `log_dir/train` receives `epoch_<metric>` scalars (step = epoch), `epoch_learning_rate`,
    `batch_<metric>` scalars every `update_freq` batches when it is an integer (step = global
    batch), weight histograms `<weight path>/histogram` (and `<weight path>/image` with
    `write_images`) every `histogram_freq` epochs, and the model's JSON (tag `keras`) when
    `write_graph`; `log_dir/validation` receives the `val_` metrics without the prefix and
    `evaluation_<metric>_vs_iterations` after each evaluation inside `fit`. With
    `embeddings_freq`, `log_dir/projector_config.pbtxt` names the Embedding layers and their
    weights are saved to `log_dir/train/keras_embedding.ckpt-<epoch>.weights.h5`.
    Event files are written directly: neither TensorFlow nor the `tensorboard` package is needed.
    Profiling is not available on this backend (`profile_batch` must be 0, as in Keras on torch).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool)
                                       or not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError("Unrecognized `update_freq`: expected 'epoch', 'batch' or a "
                             f"positive integer. Received: update_freq={update_freq!r}")
        if profile_batch:
            raise ValueError("Profiling is not yet available with the torch backend. Please "
                             "open a PR if you'd like to add this feature. Received: "
                             f"profile_batch={profile_batch} (must be 0)")
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
        self._epoch_start_iterations = 0
        self._batch_start = None
        if update_freq != "epoch":
            # Only then per-batch hooks: a hook makes the loop read the metrics every step.
            self.on_train_batch_begin = self._begin_batch
            self.on_train_batch_end = self._log_batch

    @property
    def _train_dir(self):
        return os.path.join(self.log_dir, "train")

    @property
    def _val_dir(self):
        return os.path.join(self.log_dir, "validation")

    def _writer(self, which):
        if which not in self._writers:
            self._writers[which] = EventFileWriter(
                self._train_dir if which == "train" else self._val_dir)
        return self._writers[which]

    def _iterations(self):
        opt = getattr(self.model, "optimizer", None)
        return int(getattr(opt, "iterations", 0)) if opt is not None else 0

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()  # as Keras: a new model starts new event files
        if self.write_graph:
            self._write_model_json()
        if self.embeddings_freq:
            self._configure_embeddings()

    def _write_model_json(self):
        if type(self.model).__name__ not in ("Functional", "Sequential"):
            return
        try:
            text = self.model.to_json()
        except Exception:  # as Keras: a model that cannot be serialized is just not drawn
            return
        self._writer("train").add_values(
            [text_tensor_value("keras", text, "graph_keras_model", b"1")], 0)

    def _configure_embeddings(self):
        from torchkeras.layers import Embedding

        metadata = self.embeddings_metadata
        if isinstance(metadata, dict):
            metadata = dict(metadata)
        lines = []
        for layer in self.model.layers:
            if not isinstance(layer, Embedding):
                continue
            # Keras's fixed name (the first weighted layer of its checkpoints), kept for parity.
            lines += ["embeddings {",
                      '  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/'
                      'VARIABLE_VALUE"']
            path = metadata if isinstance(metadata, str) else (
                metadata.pop(layer.name, None) if metadata else None)
            if path is not None:
                lines.append(f'  metadata_path: "{path}"')
            lines.append("}")
        if metadata and not isinstance(metadata, str):
            raise ValueError("Unrecognized `Embedding` layer names passed to "
                             "`keras.callbacks.TensorBoard` `embeddings_metadata` argument: "
                             f"{metadata.keys()}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write("".join(line + "\n" for line in lines))

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_start_iterations = self._iterations()

    def _begin_batch(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start = time.time()

    def _log_batch(self, batch, logs=None):
        step = self._global_train_batch
        if step % self.update_freq:
            return
        values = []
        if self.write_steps_per_second and self._batch_start is not None:
            values.append(scalar_value("batch_steps_per_second",
                                       1.0 / max(time.time() - self._batch_start, 1e-9)))
        if isinstance(logs, dict):
            values += [scalar_value(f"batch_{name}", _to_float(value))
                       for name, value in logs.items()]
        if values:
            self._writer("train").add_values(values, step)

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self.model.save_weights(os.path.join(
                self._train_dir, f"keras_embedding.ckpt-{epoch}.weights.h5"))
        for w in self._writers.values():
            w.flush()

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        opt = getattr(self.model, "optimizer", None)
        opt = getattr(opt, "inner_optimizer", opt)
        if opt is not None and hasattr(opt, "learning_rate"):
            try:
                train["learning_rate"] = _to_float(opt.learning_rate)
            except (TypeError, ValueError):
                pass
        if self.write_steps_per_second and self._epoch_start is not None:
            steps = self._iterations() - self._epoch_start_iterations
            train["steps_per_second"] = steps / max(time.time() - self._epoch_start, 1e-9)
        for which, values in (("train", train), ("validation", val)):
            if values:
                self._writer(which).add_values(
                    [scalar_value(f"epoch_{k}", _to_float(v)) for k, v in values.items()], epoch)

    def _log_weights(self, epoch):
        values = []
        for layer in getattr(self.model, "layers", []):
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                array = np.asarray(weight.numpy())
                values.append(histogram_value(f"{name}/histogram", array))
                if self.write_images:
                    image = _weight_as_image(array)
                    if image is not None:
                        values.append(image_value(f"{name}/image", image))
        if values:
            self._writer("train").add_values(values, epoch)

    def on_test_end(self, logs=None):
        if getattr(self.model, "optimizer", None) is None or not logs:
            return
        self._writer("validation").add_values(
            [scalar_value(f"evaluation_{k}_vs_iterations", _to_float(v)) for k, v in logs.items()],
            self._iterations())
        self._writer("validation").flush()

    def on_train_end(self, logs=None):
        self._close_writers()

    def _close_writers(self):
        for w in self._writers.values():
            w.close()
        self._writers = {}


def _weight_as_image(w):
    """Keras's layout for weight images: (N, H, W, 1), or None when it has no 2-D view."""
    from torchkeras import config

    w = np.squeeze(w)
    if w.ndim == 1:  # bias
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:  # Dense kernel, the longer side across
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:  # conv kernel: each output channel a separate image
        if config.image_data_format() == "channels_last":
            w = np.transpose(w, (2, 0, 1))
        w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    if w.ndim == 4 and w.shape[-1] in (1, 3, 4):
        return w
    return None
