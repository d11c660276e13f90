import csv
import math
import os

import numpy as np
import pytest
import torch
from _trainer_helpers import TinyModel, regression_data

from torchkeras import callbacks, optimizers

_HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin",
          "on_test_end", "on_predict_begin", "on_predict_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_batch_begin", "on_predict_batch_end"]


def _recording_hook(name):
    def hook(self, *args, logs=None):
        self.calls.append((name,) + tuple(a for a in args if isinstance(a, int)))
    return hook


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []


for _name in _HOOKS:
    setattr(Recorder, _name, _recording_hook(_name))


class Scripted(callbacks.Callback):
    """Replaces a logged value by a scripted sequence (callbacks share the epoch logs)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def _compiled(lr=0.01):
    model = TinyModel()
    model.compile(optimizers.SGD(learning_rate=lr), "mse")
    return model


def test_hook_order_fit_evaluate_predict():
    x, y = regression_data(n=8)
    model = _compiled()
    rec = Recorder()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x[:4], y[:4]),
              callbacks=[rec])
    epoch = lambda e: [("on_epoch_begin", e),
                       ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
                       ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
                       ("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                       ("on_test_end",), ("on_epoch_end", e)]
    assert rec.calls == [("on_train_begin",)] + epoch(0) + epoch(1) + [("on_train_end",)]
    rec.calls.clear()
    model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[rec])
    model.predict(x, batch_size=8, verbose=0, callbacks=[rec])
    assert rec.calls == [("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                         ("on_test_end",), ("on_predict_begin",), ("on_predict_batch_begin", 0),
                         ("on_predict_batch_end", 0), ("on_predict_end",)]


def test_set_model_and_params_and_batch_logs_are_floats():
    x, y = regression_data(n=8)
    model = _compiled()
    seen = {}

    class Check(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen["logs"] = logs
            seen["model"] = self.model
            seen["params"] = self.params

    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[Check()])
    assert seen["model"] is model and seen["params"]["steps"] == 2
    assert isinstance(seen["logs"]["loss"], float)


def test_early_stopping_stops_at_right_epoch_and_restores():
    x, y = regression_data(n=8)
    model = _compiled()
    weights_at = []
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: weights_at.append(model.get_weights()))
    # patience 2: best at epoch 1 (0.9); epochs 2 and 3 do not improve -> stop after epoch 3
    seq = [1.0, 0.9, 0.95, 0.92, 0.5, 0.4]
    es = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    h = model.fit(x, y, epochs=6, verbose=0,
                  callbacks=[record, Scripted("val_loss", seq), es])
    assert h.epoch == [0, 1, 2, 3] and es.stopped_epoch == 3 and es.best_epoch == 1
    for got, want in zip(model.get_weights(), weights_at[1]):
        np.testing.assert_array_equal(got, want)


def test_early_stopping_min_delta_baseline_mode_start_from_epoch():
    x, y = regression_data(n=8)
    # mode max with min_delta 0.05: 0.52 and 0.54 are not improvements over 0.5
    es = callbacks.EarlyStopping(monitor="acc", mode="max", min_delta=0.05, patience=2)
    h = _compiled().fit(x, y, epochs=6, verbose=0,
                        callbacks=[Scripted("acc", [0.5, 0.52, 0.54, 0.9, 1, 1]), es])
    assert h.epoch == [0, 1, 2]
    # flat values: patience 2 counts epochs 1 and 2 -> stop after epoch 2 ...
    es = callbacks.EarlyStopping(monitor="val_loss", patience=2)
    h = _compiled().fit(x, y, epochs=6, verbose=0, callbacks=[Scripted("val_loss", [1.0] * 6), es])
    assert h.epoch == [0, 1, 2]
    # ... but an unbeaten baseline does not reset the count at epoch 0: stop one epoch earlier
    es = callbacks.EarlyStopping(monitor="val_loss", baseline=0.1, patience=2)
    h = _compiled().fit(x, y, epochs=6, verbose=0, callbacks=[Scripted("val_loss", [1.0] * 6), es])
    assert h.epoch == [0, 1]
    # warm-up epochs are ignored
    es = callbacks.EarlyStopping(monitor="val_loss", patience=0, start_from_epoch=2)
    h = _compiled().fit(x, y, epochs=6, verbose=0,
                        callbacks=[Scripted("val_loss", [1.0, 2.0, 3.0, 4.0, 5, 6]), es])
    assert h.epoch == [0, 1, 2, 3]


def test_monitor_direction_unknown_raises():
    x, y = regression_data(n=8)
    es = callbacks.EarlyStopping(monitor="zzz")
    with pytest.raises(ValueError, match="maximized or minimized"):
        _compiled().fit(x, y, epochs=1, verbose=0, callbacks=[Scripted("zzz", [1.0]), es])


def test_model_checkpoint_formats_path_and_saves_best_only(tmp_path):
    x, y = regression_data(n=8)
    model = _compiled()
    path = str(tmp_path / "ck-{epoch:02d}-{val_loss:.2f}.keras")
    cb = callbacks.ModelCheckpoint(path, save_best_only=True)
    model.fit(x, y, epochs=4, verbose=0,
              callbacks=[Scripted("val_loss", [0.5, 0.7, 0.25, 0.3]), cb])
    assert sorted(os.listdir(tmp_path)) == ["ck-01-0.50.keras", "ck-03-0.25.keras"]
    state = torch.load(tmp_path / "ck-03-0.25.keras")
    assert set(state) == {"lin.weight", "lin.bias"}


def test_model_checkpoint_uses_model_save_methods_and_validates_path(tmp_path):
    calls = []
    model = _compiled()
    model.save_weights = lambda p: calls.append(("w", p))
    x, y = regression_data(n=8)
    cb = callbacks.ModelCheckpoint(str(tmp_path / "m.weights.h5"), save_weights_only=True)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    assert calls == [("w", str(tmp_path / "m.weights.h5"))] * 2
    with pytest.raises(ValueError, match="must end in `.keras`"):
        callbacks.ModelCheckpoint("model.pt")
    with pytest.raises(ValueError, match=r"must end in `.weights.h5`"):
        callbacks.ModelCheckpoint("model.keras", save_weights_only=True)


def test_reduce_lr_on_plateau():
    x, y = regression_data(n=8)
    model = _compiled(lr=1.0)
    cb = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=0.3)
    h = model.fit(x, y, epochs=5, verbose=0,
                  callbacks=[Scripted("val_loss", [1.0, 1.0, 1.0, 1.0, 1.0]), cb])
    # no improvement from epoch 1 on: reduced at the end of epochs 1 and 2 (1.0 -> 0.5 -> 0.3,
    # the floor); the logged rate is the one the epoch ran with (Keras logs before reducing).
    np.testing.assert_allclose(h.history["learning_rate"], [1.0, 1.0, 0.5, 0.3, 0.3], rtol=1e-6)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)


def test_learning_rate_scheduler():
    x, y = regression_data(n=8)
    model = _compiled(lr=0.1)
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    h = model.fit(x, y, epochs=3, verbose=0, callbacks=[sched])
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.05, 0.025], rtol=1e-6)
    bad = callbacks.LearningRateScheduler(lambda epoch: "x")
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[bad])


def test_csv_logger(tmp_path):
    x, y = regression_data(n=8)
    path = tmp_path / "log.csv"
    h = _compiled().fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(str(path))])
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1"] and rows[1][2] == "NA"
    assert float(rows[2][1]) == pytest.approx(h.history["loss"][1])


def test_terminate_on_nan():
    x, y = regression_data(n=8)
    y = y.copy()
    y[5] = np.nan
    h = _compiled().fit(x, y, batch_size=4, epochs=3, verbose=0,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert len(h.epoch) == 1 and math.isnan(h.history["loss"][0])


def test_lambda_callback_batch_hooks_and_extra_kwarg():
    x, y = regression_data(n=8)
    batches = []
    cb = callbacks.LambdaCallback(on_batch_end=lambda b, logs: batches.append(b))
    _compiled().fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[cb])
    assert batches == [0, 1, 0, 1]
    # Keras keeps any other keyword as an attribute (a helper its hooks can call)
    helper = object()
    assert callbacks.LambdaCallback(custom_method=helper).custom_method is helper


def test_stop_training_from_callback():
    x, y = regression_data(n=8)

    class Stop(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    h = _compiled().fit(x, y, batch_size=2, epochs=5, verbose=0, callbacks=[Stop()])
    assert h.epoch == [0]


def test_non_callback_rejected():
    x, y = regression_data(n=8)
    with pytest.raises(TypeError, match="Callback"):
        _compiled().fit(x, y, epochs=1, verbose=0, callbacks=[object()])
