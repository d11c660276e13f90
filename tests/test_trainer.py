import re
import warnings

import numpy as np
import pytest
import torch
from _trainer_helpers import TinyModel, regression_data

import torchkeras as keras
from torchkeras import losses, metrics


def test_fit_decreases_loss_and_history_matches_evaluate():
    x, y = regression_data()
    model = TinyModel()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0, shuffle=False)
    assert list(history.history) == ["loss", "mae"]
    losses_ = history.history["loss"]
    assert len(losses_) == 5 and losses_[-1] < losses_[0] * 0.7
    assert history.params == {"verbose": 0, "epochs": 5, "steps": 4}
    assert history.epoch == [0, 1, 2, 3, 4]
    # evaluate against numpy on the trained weights
    w, b = (p.detach().numpy() for p in model.lin.parameters())
    pred = x @ w.T + b
    loss, mae = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(np.mean((pred - y) ** 2), rel=1e-5)
    assert mae == pytest.approx(np.mean(np.abs(pred - y)), rel=1e-5)


def test_epoch_loss_is_batch_size_weighted_mean():
    # lr 0 keeps the weights fixed: each batch loss is computable with numpy.
    x, y = regression_data(n=10)
    model = TinyModel()
    opt = __import__("torchkeras").optimizers.SGD(learning_rate=0.0)
    model.compile(optimizer=opt, loss="mse")
    h = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    w, b = (p.detach().numpy() for p in model.lin.parameters())
    err = ((x @ w.T + b) - y) ** 2
    batch_losses = [err[0:4].mean(), err[4:8].mean(), err[8:10].mean()]
    expected = (4 * batch_losses[0] + 4 * batch_losses[1] + 2 * batch_losses[2]) / 10
    assert h.history["loss"][0] == pytest.approx(expected, rel=1e-5)


def test_regularization_losses_are_added():
    x, y = regression_data(n=8)
    model = TinyModel()
    model.compile(optimizer=__import__("torchkeras").optimizers.SGD(learning_rate=0.0), loss="mse")
    base = model.evaluate(x, y, verbose=0)
    model.extra_losses = [torch.tensor(1.5)]
    assert model.evaluate(x, y, verbose=0) == pytest.approx(base + 1.5, rel=1e-6)


def test_validation_split_takes_last_rows_before_shuffling():
    x = np.arange(20, dtype="float32").reshape(10, 2)
    x = np.concatenate([x, x], axis=1)
    y = np.zeros((10, 1), "float32")
    seen = []

    class Spy(TinyModel):
        def forward(self, x, training=None):
            if not training:
                seen.append(x.detach().clone())
            return super().forward(x, training)

    model = Spy()
    model.compile("sgd", "mse")
    model.fit(x, y, validation_split=0.3, epochs=1, verbose=0, shuffle=True)
    val = torch.cat(seen).numpy()
    np.testing.assert_array_equal(val, x[7:])


def test_multi_output_names_and_evaluate_order():
    x, y = regression_data()
    model = TinyModel(outputs="list")
    model.compile("sgd", ["mse", "mae"], loss_weights=[1.0, 0.5], metrics=[["mae"], None])
    h = model.fit(x, [y, 2 * y], epochs=1, verbose=0, validation_data=(x, [y, 2 * y]))
    assert list(h.history) == ["dense_1_loss", "dense_loss", "dense_mae", "loss",
                               "val_dense_1_loss", "val_dense_loss", "val_dense_mae", "val_loss"]
    res = model.evaluate(x, {"dense": y, "dense_1": 2 * y}, verbose=0, return_dict=True)
    assert res["loss"] == pytest.approx(res["dense_loss"] + 0.5 * res["dense_1_loss"], rel=1e-5)
    as_list = model.evaluate(x, [y, 2 * y], verbose=0)
    assert as_list == pytest.approx([res["loss"], res["dense_loss"], res["dense_1_loss"],
                                     res["dense_mae"]])
    preds = model.predict(x, verbose=0)
    assert isinstance(preds, list) and preds[0].shape == (64, 1)


def test_loss_and_metric_objects_and_user_functions():
    x, y = regression_data()

    def my_metric(y_true, y_pred):
        return torch.mean(torch.abs(y_true - y_pred), dim=-1)

    model = TinyModel()
    model.compile("adam", losses.MeanSquaredError(), metrics=[my_metric, metrics.MeanAbsoluteError()])
    h = model.fit(x, y, epochs=1, verbose=0)
    assert set(h.history) == {"loss", "my_metric", "mean_absolute_error"}
    assert h.history["my_metric"][0] == pytest.approx(h.history["mean_absolute_error"][0], rel=1e-5)


def test_accuracy_resolution_binary_and_class_weight():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = TinyModel(activation="sigmoid")
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=2, verbose=0, class_weight={0: 1.0, 1: 2.0})
    assert set(h.history) == {"accuracy", "loss"}
    with pytest.raises(ValueError, match=r"class\(es\) \[5\]"):
        model.fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0, 5: 2.0})


def test_predict_train_test_on_batch():
    x, y = regression_data(n=10)
    model = TinyModel()
    model.compile("sgd", "mse", metrics=["mae"])
    out = model.predict(x, batch_size=3, verbose=0)
    w, b = (p.detach().numpy() for p in model.lin.parameters())
    np.testing.assert_allclose(out, x @ w.T + b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), out, rtol=1e-6)
    loss, mae = model.train_on_batch(x, y)
    assert loss == pytest.approx(np.mean((out - y) ** 2), rel=1e-5)
    d = model.test_on_batch(x, y, return_dict=True)
    assert set(d) == {"loss", "mae"} and d["loss"] < loss


def test_generator_dataloader_and_pydataset_inputs():
    x, y = regression_data(n=32)

    def gen():
        while True:
            for i in range(0, 32, 8):
                yield x[i:i + 8], y[i:i + 8]

    model = TinyModel()
    model.compile("sgd", "mse")
    h = model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    assert h.params["steps"] == 4 and len(h.history["loss"]) == 2

    ds = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    loader = torch.utils.data.DataLoader(ds, batch_size=8)
    assert len(model.fit(loader, epochs=2, verbose=0).history["loss"]) == 2
    assert len(model.fit(ds, batch_size=8, epochs=1, verbose=0).history["loss"]) == 1

    class Seq:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

    assert model.evaluate(Seq(), verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0),
                                                             rel=1e-5)
    assert model.predict(Seq(), verbose=0).shape == (32, 1)


def test_one_shot_generator_runs_out_of_data():
    x, y = regression_data(n=16)
    model = TinyModel()
    model.compile("sgd", "mse")
    gen = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 16, 8))
    with pytest.warns(UserWarning, match="ran out of data"):
        h = model.fit(gen, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 1


def test_dict_and_list_inputs():
    x, y = regression_data(n=16)
    model = TinyModel()
    model.compile("sgd", "mse")
    a = model.evaluate({"a": x, "b": x}, y, verbose=0)
    b = model.evaluate([x, x], y, verbose=0)
    assert a == pytest.approx(b)


def test_constraints_applied_after_step():
    x, y = regression_data(n=16)
    model = TinyModel()
    model.lin.weight.constraint = lambda w: torch.clamp(w, -0.01, 0.01)
    model.lin.weight.value = model.lin.weight
    model.lin.weight.assign = lambda v: model.lin.weight.data.copy_(v)
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    assert model.lin.weight.abs().max().item() <= 0.01 + 1e-7


def test_nb_epoch_warns_and_unknown_kwarg_errors():
    x, y = regression_data(n=8)
    model = TinyModel()
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match="nb_epoch"):
        h = model.fit(x, y, nb_epoch=2, verbose=0)
    assert len(h.history["loss"]) == 2
    with pytest.raises(TypeError, match="foo"):
        model.fit(x, y, foo=1, verbose=0)


@pytest.mark.parametrize("kwargs, message", [
    ({}, "You must call `compile()` before using the model."),
])
def test_fit_before_compile(kwargs, message):
    x, y = regression_data(n=8)
    with pytest.raises(ValueError, match=re.escape(message)):
        TinyModel().fit(x, y, verbose=0)
    with pytest.raises(ValueError, match=re.escape(message)):
        TinyModel().evaluate(x, y, verbose=0)


def test_data_errors():
    x, y = regression_data(n=10)
    model = TinyModel()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"'x' sizes: 10\n'y' sizes: 8"):
        model.fit(x, y[:8], verbose=0)
    for bad in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"validation_split.*\[0, 1\)"):
            model.fit(x, y, validation_split=bad, verbose=0)
    with pytest.raises(ValueError, match="non-empty"):
        model.fit(x[:0], y[:0], verbose=0)
    with pytest.raises(ValueError, match="not sufficient to split"):
        model.fit(x[:1], y[:1], validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        model.fit(x, y, class_weight={"a": 1.0}, verbose=0)
    with pytest.raises(ValueError, match="class_weight` and `sample_weight"):
        model.fit(x, y, class_weight={0: 1.0}, sample_weight=np.ones(10), verbose=0)


def test_sample_weight_scales_loss():
    x, y = regression_data(n=8)
    model = TinyModel()
    model.compile(__import__("torchkeras").optimizers.SGD(learning_rate=0.0), "mse")
    sw = np.array([1, 0, 0, 0, 0, 0, 0, 0], "float32")
    out = model.predict(x, verbose=0)
    loss = model.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0)
    # sum_over_batch_size: sum(w * l) / batch size
    assert loss == pytest.approx(((out[0] - y[0]) ** 2).mean() / 8, rel=1e-5)


def test_fit_progress_output(capsys):
    x, y = regression_data(n=20)
    model = TinyModel()
    model.compile("sgd", "mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=8, validation_split=0.2, verbose=1)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+[mu]?s/step - loss: \d+\.\d{4} - mae: \d+\.\d{4} - "
                        r"val_loss: \d+\.\d{4} - val_mae: \d+\.\d{4}", lines[1])
    model.fit(x, y, epochs=1, batch_size=8, verbose=2)
    out = capsys.readouterr().out
    assert re.fullmatch(r"3/3 - \d+s - \d+[mu]?s/step - loss: \d+\.\d{4} - mae: \d+\.\d{4}\n", out)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_no_metric_reads_per_step_when_silent(monkeypatch):
    # Reading a metric is a host sync on an accelerator: silent fit reads once per epoch.
    x, y = regression_data(n=64)
    model = TinyModel()
    model.compile("sgd", "mse", metrics=["mae"])
    calls = []
    original = type(model).get_metrics_result

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(type(model), "get_metrics_result", counting)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)  # 16 steps per epoch
    assert len(calls) == 2


def _small_fit(optimizer, callbacks=None):
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.set_weights([np.linspace(-0.5, 0.5, w.size, dtype="float32").reshape(w.shape)
                       for w in model.get_weights()])
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((100, 6)).astype("float32"), rng.integers(0, 3, 100)
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                        callbacks=callbacks or [])
    return model, history.history


def test_fit_ends_with_the_ema_weights():
    # Keras: with use_ema the optimizer keeps avg = m * avg + (1 - m) * w after every step (m = 0
    # on the first) and fit ends by writing the averages into the model.
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append([w.copy() for w in self.model.get_weights()])

    model, _ = _small_fit(keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.7), [Record()])
    avg = [w.copy() for w in seen[0]]
    for weights in seen[1:]:
        avg = [np.float32(0.7) * a + np.float32(0.3) * w for a, w in zip(avg, weights)]
    assert not np.allclose(seen[-1][0], avg[0])  # the averages differ from the last step's weights
    for got, want in zip(model.get_weights(), avg):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_loss_scale_factor_scales_the_differentiated_loss_only():
    # A power-of-two factor is exact: training and History must equal the unscaled run bit for bit.
    plain_model, plain = _small_fit(keras.optimizers.Adam(0.01))
    scaled_model, scaled = _small_fit(keras.optimizers.Adam(0.01, loss_scale_factor=64.0))
    assert plain == scaled
    for a, b in zip(plain_model.get_weights(), scaled_model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_steps_per_epoch_epochs_stop_at_the_end_of_the_data():
    # Keras 3: the batches run as one stream across epochs; an epoch that reaches the end of the
    # data ends there with a warning, and the next epoch starts a fresh pass.
    from torchkeras.trainers.epoch_iterator import EpochIterator
    it = EpochIterator(np.arange(10, dtype="float32")[:, None], np.zeros(10), batch_size=4,
                       steps_per_epoch=2)
    epochs = []
    for _ in range(4):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            epochs.append(([int(b[0][0][0]) for _, b in it], len(caught)))
    assert epochs == [([0, 4], 0), ([8], 1), ([0, 4], 0), ([8], 1)]
    assert not it.exhausted
