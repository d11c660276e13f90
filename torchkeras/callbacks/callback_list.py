"""CallbackList: fans each hook out to the callbacks, in order.

Batch logs are expensive on an accelerator (reading a metric means a host sync), so the loop may
pass `logs` to the batch hooks as a zero-argument function. It is evaluated once, and only when
some callback needs the values: a user callback that overrides a batch-end hook, or the progress
bar when it is about to redraw. Values reach callbacks as Python floats, as in Keras.
"""

from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger


def pythonify_logs(logs):
    """Logs as Python floats, keys sorted (Keras 3 sorts them: History, progress bar, CSV)."""
    if logs is None:
        return {}
    out = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            out.update(pythonify_logs(value))
            continue
        if hasattr(value, "detach"):
            value = value.detach().cpu()
            value = value.item() if value.numel() == 1 else value.numpy()
        elif hasattr(value, "item") and getattr(value, "size", 2) == 1:
            value = value.item()
        out[key] = value
    return dict(sorted(out.items()))


def _overrides(cb, name):
    # LambdaCallback sets hooks on the instance.
    return name in vars(cb) or getattr(type(cb), name, None) is not getattr(Callback, name)


class CallbackList(Callback):
    """Container for callbacks; adds History and ProgbarLogger when asked, as Keras does."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = list(callbacks) if callbacks else []
        for cb in self.callbacks:
            if not hasattr(cb, "set_model") or not hasattr(cb, "on_epoch_end"):
                raise TypeError(f"Expected `callbacks` to hold keras Callback instances. "
                                f"Received: {cb!r} of type {type(cb).__name__}.")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._batch_users = {}

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def _users(self, hook):
        """Callbacks that do something in `hook` (ProgbarLogger is handled on its own)."""
        if hook not in self._batch_users:
            alias = {"on_train_batch_end": "on_batch_end",
                     "on_train_batch_begin": "on_batch_begin"}.get(hook)
            self._batch_users[hook] = [
                cb for cb in self.callbacks if cb is not self._progbar and (
                    _overrides(cb, hook) or (alias is not None and _overrides(cb, alias)))]
        return self._batch_users[hook]

    def needs_batch_hooks(self, mode):
        """Whether any callback does anything per batch in `mode` ("train"/"test"/"predict")."""
        return bool(self._progbar is not None
                    or self._users(f"on_{mode}_batch_begin")
                    or self._users(f"on_{mode}_batch_end"))

    def _call_batch(self, hook, batch, logs, in_test=False):
        users = self._users(hook)
        progbar = self._progbar if hook.endswith("_end") else None
        want_bar = progbar is not None and progbar.wants_logs(batch, in_test=in_test)
        if not users and not want_bar:
            return
        if callable(logs):
            logs = logs()
        logs = pythonify_logs(logs) if hook != "on_predict_batch_end" else (logs or {})
        for cb in users:
            getattr(cb, hook)(batch, logs)
        if want_bar:
            getattr(progbar, hook)(batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs)

    def on_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs, in_test=True)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs, in_test=True)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch("on_predict_batch_end", batch, logs)

    def _call(self, hook, *args):
        logs = pythonify_logs(args[-1])
        for cb in self.callbacks:
            getattr(cb, hook)(*args[:-1], logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)
