"""predict()'s single-batch path (trainers/predict_fast.py) against the general loop.

`steps=1` sends the same single batch through the general loop (EpochIterator, CallbackList,
predict_loop), so both paths see identical tensors and must agree bit for bit; the values are
also checked against a numpy forward pass where the model is simple enough to write one."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers
from torchkeras.trainers import trainer as trainer_module


@pytest.fixture
def no_general_loop(monkeypatch):
    """Fails the test if predict builds an EpochIterator (so the single-batch path ran)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the general predict loop ran")
    monkeypatch.setattr(trainer_module, "EpochIterator", refuse)


def _mlp(dropout=False, bn=False):
    stack = [layers.Dense(16, activation="relu")]
    if bn:
        stack.append(layers.BatchNormalization())
    if dropout:
        stack.append(layers.Dropout(0.5))
    stack.append(layers.Dense(3, activation="softmax"))
    model = keras.Sequential(stack)
    model.build((None, 8))
    return model


def _numpy_mlp(model, x):
    w1, b1, w2, b2 = (w.astype(np.float64) for w in model.get_weights())
    h = np.maximum(x @ w1 + b1, 0)
    z = h @ w2 + b2
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _both(model, x, **kw):
    general = model.predict(x, steps=1, verbose=0, **kw)
    fast = model.predict(x, verbose=0, **kw)
    return fast, general


def _assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for u, v in zip(a, b):
            _assert_same(u, v)
    else:
        assert isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n, batch_size", [(1, None), (5, None), (32, None), (8, 8), (3, 0)])
def test_single_input_matches_general_and_numpy(n, batch_size):
    model = _mlp()
    x = np.random.default_rng(n).random((n, 8), dtype=np.float32)
    fast, general = _both(model, x, batch_size=batch_size)
    _assert_same(fast, general)
    np.testing.assert_allclose(fast, _numpy_mlp(model, x.astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_fast_path_is_taken_for_one_batch(no_general_loop):
    model = _mlp()
    for x in (np.ones((4, 8), np.float32), torch.ones(4, 8), np.ones((4, 8))):  # float64 too
        out = model.predict(x, verbose=0)
        assert out.dtype == np.float32 and out.shape == (4, 3)


def test_more_than_one_batch_takes_general_loop():
    model = _mlp()
    x = np.random.default_rng(0).random((40, 8), dtype=np.float32)
    out = model.predict(x, verbose=0)  # 40 rows > the default 32: two batches
    np.testing.assert_allclose(out, _numpy_mlp(model, x.astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_multi_input_and_multi_output_functional():
    a, b = keras.Input((4,), name="a"), keras.Input((6,), name="b")
    h = layers.Concatenate()([layers.Dense(5)(a), layers.Dense(5)(b)])
    model = keras.Model([a, b], [layers.Dense(2)(h), layers.Dense(3, activation="sigmoid")(h)])
    rng = np.random.default_rng(1)
    xs = [rng.random((7, 4), dtype=np.float32), rng.random((7, 6), dtype=np.float32)]
    fast, general = _both(model, xs)
    _assert_same(fast, general)
    assert isinstance(fast, list) and [o.shape for o in fast] == [(7, 2), (7, 3)]


def test_dict_inputs_and_dict_outputs():
    a, b = keras.Input((4,), name="a"), keras.Input((6,), name="b")
    h = layers.Add()([layers.Dense(5)(a), layers.Dense(5)(b)])
    model = keras.Model({"a": a, "b": b}, {"p": layers.Dense(2)(h), "q": layers.Dense(1)(h)})
    rng = np.random.default_rng(2)
    xs = {"a": rng.random((3, 4), dtype=np.float32), "b": rng.random((3, 6), dtype=np.float32)}
    fast, general = _both(model, xs)
    _assert_same(fast, general)
    assert set(fast) == {"p", "q"}


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_predict_begin(self, logs=None):
        self.calls.append(("begin", self.model.training))

    def on_predict_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_predict_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, tuple(logs["outputs"].shape)))

    def on_predict_end(self, logs=None):
        self.calls.append(("end",))


def test_listening_callbacks_get_every_call(no_general_loop):
    model = _mlp()
    rec = _Recorder()
    model.predict(np.ones((6, 8), np.float32), verbose=0, callbacks=[rec])
    assert rec.calls == [("begin", False), ("batch_begin", 0), ("batch_end", 0, (6, 3)), ("end",)]


def test_callbacks_same_calls_as_general_loop():
    model = _mlp()
    fast_rec, general_rec = _Recorder(), _Recorder()
    x = np.ones((6, 8), np.float32)
    model.predict(x, verbose=0, callbacks=[fast_rec])
    model.predict(x, verbose=0, steps=1, callbacks=[general_rec])
    assert fast_rec.calls == general_rec.calls


def test_verbose_prints_the_progress_bar_as_the_general_loop(capsys):
    model = _mlp()
    x = np.ones((2, 8), np.float32)
    model.predict(x)  # verbose="auto": Keras draws the bar once, at the end
    fast = capsys.readouterr().out
    model.predict(x, steps=1)
    general = capsys.readouterr().out
    assert "1/1" in fast and "1/1" in general
    assert fast.count("\n") == general.count("\n")


def test_dropout_off_and_batchnorm_in_inference_mode():
    model = _mlp(dropout=True, bn=True)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    rng = np.random.default_rng(3)
    x = rng.random((64, 8), dtype=np.float32) * 4 + 1
    model.fit(x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, 64)], epochs=2, verbose=0)
    xb = x[:10]
    first, general = _both(model, xb)
    _assert_same(first, general)
    _assert_same(model.predict(xb, verbose=0), first)  # no dropout noise
    dense1, bn, _, dense2 = model.layers
    h = np.maximum(xb @ dense1.kernel.numpy() + dense1.bias.numpy(), 0)
    mean, var = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    h = (h - mean) / np.sqrt(var + bn.epsilon) * bn.gamma.numpy() + bn.beta.numpy()
    z = h @ dense2.kernel.numpy() + dense2.bias.numpy()
    expected = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    np.testing.assert_allclose(first, expected, rtol=1e-4, atol=1e-5)


def test_training_flags_restored():
    model = _mlp(dropout=True)
    model.train()
    model.predict(np.ones((2, 8), np.float32), verbose=0)
    assert all(m.training for m in model.modules())
    model.eval()
    model.predict(np.ones((2, 8), np.float32), verbose=0)
    assert not any(m.training for m in model.modules())


def test_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(4)])
        model.build((None, 8))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    x = np.random.default_rng(4).random((5, 8), dtype=np.float32)
    fast, general = _both(model, x)
    _assert_same(fast, general)
    assert fast.dtype == np.float16


def test_output_never_aliases_the_input():
    model = keras.Sequential([layers.Identity()])
    model.build((None, 3))
    x = np.zeros((2, 3), np.float32)
    out = model.predict(x, verbose=0)
    out += 1
    assert not x.any()


def test_predict_step_override_is_used(no_general_loop):
    class Doubled(keras.Sequential):
        def predict_step(self, data):
            return super().predict_step(data) * 2

    model = Doubled([layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")])
    model.build((None, 3))
    np.testing.assert_array_equal(model.predict(np.ones((1, 3), np.float32), verbose=0), [[6.0, 6.0]])


def test_errors_are_the_general_loops():
    model = _mlp()
    with pytest.raises(ValueError, match="non-empty"):
        model.predict(np.zeros((0, 8), np.float32), verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        a, b = keras.Input((2,)), keras.Input((2,))
        keras.Model([a, b], layers.Add()([a, b])).predict(
            [np.ones((2, 2), np.float32), np.ones((3, 2), np.float32)], verbose=0)
    with pytest.raises(TypeError, match="Callback"):
        model.predict(np.ones((1, 8), np.float32), verbose=0, callbacks=[object()])


# -- the lean Sequential path (predict_fast._lean_sequential) --------------------------------

class _Doubler(layers.Layer):
    """Doubles its input in training mode only: the context's flag decides."""

    def call(self, inputs, training=None):
        return inputs * 2 if training else inputs


class _Regularised(layers.Layer):
    def call(self, inputs):
        return inputs + 1.0


def test_lean_path_matches_general_loop_for_each_kind_of_layer(no_general_loop):
    model = keras.Sequential([layers.Dense(6, activation="relu"), _Doubler(), layers.Dropout(0.5),
                              layers.BatchNormalization(), layers.Activation("tanh"),
                              _Regularised(activity_regularizer="l2"), layers.Dense(2)])
    model.build((None, 4))
    x = np.random.default_rng(0).random((5, 4), dtype=np.float32)
    model.predict(x, verbose=0)  # the regularizer's loss of this call ...
    fast_losses = [float(v.detach()) for v in model.losses]
    fast = model.predict(x, verbose=0)
    w1, b1, gamma, beta, mean, var, w2, b2 = model.get_weights()
    h = np.tanh((np.maximum(x @ w1 + b1, 0) - mean) / np.sqrt(var + 1e-3) * gamma + beta) + 1.0
    np.testing.assert_allclose(fast, h @ w2 + b2, rtol=1e-5, atol=1e-6)
    model(torch.from_numpy(x), training=False)  # ... is the one a plain inference call leaves
    np.testing.assert_allclose(fast_losses, [float(v.detach()) for v in model.losses], rtol=1e-6)
    assert fast_losses and fast_losses[0] > 0


def test_lean_path_keeps_masks():
    model = keras.Sequential([layers.Embedding(10, 3, mask_zero=True), layers.LSTM(2)])
    model.build((None, 4))
    ids = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    fast, general = _both(model, ids)
    _assert_same(fast, general)
    # the padded steps are skipped: equal to the unpadded sequences' outputs
    np.testing.assert_allclose(fast[1], model.predict(ids[1:, :1], verbose=0)[0], rtol=1e-5, atol=1e-6)


def test_lean_path_honours_layer_hooks(no_general_loop):
    model = _mlp()
    x = np.ones((2, 8), np.float32)
    plain = model.predict(x, verbose=0)
    handle = model.layers[0].register_forward_hook(lambda mod, args, out: out * 0)
    try:
        hooked = model.predict(x, verbose=0)
    finally:
        handle.remove()
    b2 = model.get_weights()[3]
    e = np.exp(b2 - b2.max())
    np.testing.assert_allclose(hooked, np.broadcast_to(e / e.sum(), plain.shape), rtol=1e-5)
    assert not np.allclose(plain, hooked)


def test_lean_path_keeps_input_checks():
    model = _mlp()
    model.predict(np.ones((2, 8), np.float32), verbose=0)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 8"):
        model.predict(np.ones((2, 5), np.float32), verbose=0)


def test_submodule_left_in_training_mode_runs_in_inference(no_general_loop):
    model = _mlp(dropout=True)
    model.predict(np.ones((1, 8), np.float32), verbose=0)
    model.layers[1].train()  # one layer (the Dropout) back in torch's training mode
    x = np.ones((32, 8), np.float32)
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out, np.broadcast_to(out[0], out.shape), rtol=1e-6)  # no dropout


def test_user_setattr_override_gets_a_real_eval():
    seen = []

    class Watched(keras.Sequential):
        def __setattr__(self, name, value):
            if name == "training":
                seen.append(value)
            super().__setattr__(name, value)

    model = Watched([layers.Dense(2)])
    model.build((None, 3))
    model.train()
    seen.clear()
    model.predict(np.ones((1, 3), np.float32), verbose=0)
    assert seen == [False, True]  # eval() and the restore went through the override
