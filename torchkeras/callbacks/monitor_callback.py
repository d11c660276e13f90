import warnings

from .callback import Callback

# Used when a monitored metric does not say its direction (`_direction`): the usual Keras names.
_MAX_HINTS = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2")
_MIN_HINTS = ("loss", "error", "mse", "mae", "mape", "msle", "hinge", "crossentropy",
              "divergence", "poisson", "logcosh", "log_cosh", "kld")


def iter_model_metrics(model):
    for m in getattr(model, "metrics", None) or []:
        subs = getattr(m, "metrics", None)
        if isinstance(subs, (list, tuple)):
            yield from subs
        else:
            yield m


class MonitorCallback(Callback):
    """Base for callbacks that watch one logged quantity (`monitor`) for improvement."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        # Keras's monitor ops are keras.ops.less / greater (its tests compare them by identity)
        from torchkeras import ops

        _less, _greater = ops.less, ops.greater
        if self.mode == "min":
            self.monitor_op = _less
        elif self.mode == "max":
            self.monitor_op = _greater
        else:
            name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
            if name == "loss" or name.endswith("_loss"):
                self.monitor_op = _less
            for m in iter_model_metrics(self.model):
                if getattr(m, "name", None) == name and hasattr(m, "_direction"):
                    self.monitor_op = _greater if m._direction == "up" else _less
            if self.monitor_op is None:
                lowered = name.lower()
                if any(h in lowered for h in _MAX_HINTS):
                    self.monitor_op = _greater
                elif any(h in lowered for h in _MIN_HINTS):
                    self.monitor_op = _less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "torchkeras isn't able to automatically determine whether that metric "
                    "should be maximized or minimized. Pass `mode='max'` in order to monitor "
                    "based on the highest metric value, or pass `mode='min'` in order to use "
                    "the lowest value.")
        if self.monitor_op is _less:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
