"""BackupAndRestore (Keras's backup_dir layout, resume epoch, delete_checkpoint, save_freq) and the
TensorBoard callback (both with and without the optional `tensorboard` package)."""

import json
import os
import sys

import numpy as np
import pytest
import torch

import torchkeras as keras

RNG = np.random.default_rng(1)
X = RNG.standard_normal((64, 4)).astype("float32")
Y = (X[:, :1] - X[:, 1:2]).astype("float32")


def _model():
    keras.config.clear_session()
    torch.manual_seed(0)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="tanh"),
                          keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return m


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("interrupted")


def test_resume_after_interruption_matches_uninterrupted_run(tmp_path):
    ref = _model()
    w0 = ref.get_weights()
    h_ref = ref.fit(X, Y, batch_size=16, epochs=5, shuffle=False, verbose=0).history

    backup = str(tmp_path / "backup")
    model = _model()
    model.set_weights(w0)
    cb = keras.callbacks.BackupAndRestore(backup)
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(X, Y, batch_size=16, epochs=5, shuffle=False, verbose=0,
                  callbacks=[cb, _Interrupt(3)])
    # Keras's two files, plus the random state torchkeras adds so a resumed fit shuffles as before
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "rng_state.pkl", "training_metadata.json"]
    with open(os.path.join(backup, "training_metadata.json")) as f:
        meta = json.load(f)
    assert {k: meta[k] for k in ("epoch", "batch")} == {"epoch": 3, "batch": 0}
    assert meta["epochs"] == [0, 1, 2] and len(meta["history"]["loss"]) == 3

    resumed = _model()          # a fresh process would rebuild the model from scratch
    epochs_run = []
    log = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: epochs_run.append(e))
    h = resumed.fit(X, Y, batch_size=16, epochs=5, shuffle=False, verbose=0,
                    callbacks=[keras.callbacks.BackupAndRestore(backup), log]).history
    assert epochs_run == [3, 4]
    # Weights, optimizer state and the History of the epochs before the interruption come back: the
    # resumed run's History equals the uninterrupted run's (Keras's would hold only epochs 3 and 4).
    np.testing.assert_allclose(h["loss"], h_ref["loss"], rtol=1e-5)
    for a, b in zip(resumed.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not os.path.exists(backup)      # delete_checkpoint=True removes it after success


def test_keep_checkpoint_double_checkpoint_and_save_freq(tmp_path):
    backup = str(tmp_path / "b")
    model = _model()
    saves = []
    cb = keras.callbacks.BackupAndRestore(backup, save_freq=3, double_checkpoint=True,
                                          delete_checkpoint=False)
    real_save = cb._save_model
    cb._save_model = lambda: (saves.append(1), real_save())
    model.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[cb])
    assert len(saves) == 8 // 3              # every 3 batches over 2 epochs of 4 batches
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "latest.weights.h5.bkp", "rng_state.pkl",
                                          "training_metadata.json", "training_metadata.json.bkp"]
    # A completed run's metadata points past the last epoch: a new fit resumes there (no epochs).
    with open(os.path.join(backup, "training_metadata.json")) as f:
        meta = json.load(f)
    assert meta["batch"] in range(4)


def test_backup_argument_errors():
    with pytest.raises(ValueError, match="backup_dir"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.BackupAndRestore("x", save_freq="batch")


def test_tensorboard_needs_no_tensorboard_package(monkeypatch, tmp_path):
    # The callback writes event files itself (as Keras's does through tf.summary).
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(str(tmp_path))])
    assert any(f.startswith("events.out.tfevents.") for f in os.listdir(tmp_path / "train"))


def test_tensorboard_writes_keras_layout(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    model = _model()
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    tb = keras.callbacks.TensorBoard(str(tmp_path), update_freq=2, histogram_freq=1)
    h = model.fit(X, Y, batch_size=16, epochs=2, verbose=0, validation_split=0.25,
                  callbacks=[tb]).history
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train = EventAccumulator(str(tmp_path / "train")).Reload()
    val = EventAccumulator(str(tmp_path / "validation")).Reload()
    tags = set(train.Tags()["scalars"])
    assert {"epoch_loss", "epoch_mae", "epoch_learning_rate", "batch_loss"} <= tags
    got = [e.value for e in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(got, h["loss"], rtol=1e-6)
    assert [e.step for e in train.Scalars("batch_loss")] == [2, 4, 6]   # 3 batches an epoch
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_loss")], h["val_loss"], rtol=1e-6)
    assert "evaluation_loss_vs_iterations" in val.Tags()["scalars"]
    assert any(t.endswith("kernel/histogram") for t in train.Tags()["histograms"])
