from .callback import Callback

_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
          "on_predict_batch_begin", "on_predict_batch_end")


class LambdaCallback(Callback):
    """A callback built from plain functions: `LambdaCallback(on_epoch_end=lambda e, logs: ...)`.

    `on_batch_begin` / `on_batch_end` are Keras's aliases of the train-batch hooks."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        if "on_batch_begin" in kwargs:
            given["on_train_batch_begin"] = kwargs.pop("on_batch_begin")
        if "on_batch_end" in kwargs:
            given["on_train_batch_end"] = kwargs.pop("on_batch_end")
        for key in list(kwargs):
            if key in _HOOKS:
                given[key] = kwargs.pop(key)
        # Keras sets any other keyword as an attribute (a helper the hooks can call)
        self.__dict__.update(kwargs)
        for key, fn in given.items():
            if fn is not None:
                # An instance attribute shadows the class no-op; CallbackList checks the class,
                # so record the override explicitly.
                setattr(self, key, fn)
        self._given_hooks = {k for k, fn in given.items() if fn is not None}
