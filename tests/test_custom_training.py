"""Keras 3's custom-training idioms on the torch backend: train_step / test_step / predict_step /
compute_loss / compute_metrics overrides, `v.value.grad` + `optimizer.apply`, a GAN with two
optimizers, `model.metrics` and `reset_metrics`.

Expected values come from the built-in fit (checked against tf.keras by the training conformance
cases) or from numpy formulas, never from the override under test."""

import numpy as np
import pytest
import torch

import torchkeras as keras

RNG = np.random.default_rng(0)
X = RNG.standard_normal((64, 4)).astype("float32")
Y = (X @ RNG.standard_normal((4, 1)).astype("float32")).astype("float32")


def _mlp(cls=keras.Sequential):
    keras.config.clear_session()
    torch.manual_seed(0)
    layers = [keras.Input((4,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)]
    if cls is keras.Sequential:
        return keras.Sequential(layers)
    inp = layers[0]
    return cls(inp, layers[2](layers[1](inp)))


class DocTrainStep(keras.Model):
    """The Keras guide's torch train_step, verbatim in spirit."""

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _fit(model, **kw):
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0, **kw).history


def test_value_grad_is_keras_layout_gradient():
    model = _mlp()
    model(torch.from_numpy(X)).sum().backward()
    for v in model.trainable_weights:
        g = v.value.grad
        assert g is not None and tuple(g.shape) == v.shape
        np.testing.assert_array_equal(v.to_torch(g).numpy(), v.param.grad.numpy())
    model.zero_grad()
    assert all(v.value.grad is None for v in model.trainable_weights)


def test_doc_train_step_matches_builtin_fit():
    ref = _mlp()
    w0 = ref.get_weights()
    h_ref = _fit(ref)
    custom = _mlp(DocTrainStep)
    custom.set_weights(w0)
    h = _fit(custom)
    assert set(h) == {"loss", "mae"}
    np.testing.assert_allclose(h["loss"], h_ref["loss"], rtol=1e-6)
    np.testing.assert_allclose(h["mae"], h_ref["mae"], rtol=1e-6)
    for a, b in zip(custom.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


class OwnTrackers(keras.Model):
    """The guide's lower-level variant: own loss function and metric objects, no compiled loss."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.loss_fn(y, y_pred)
        loss.backward()
        grads = [v.value.grad for v in self.trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(grads, self.trainable_weights)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(self.loss_fn(y, y_pred))
        self.mae_metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_attribute_metrics_are_listed_and_reset_each_epoch():
    ref = _mlp()
    w0 = ref.get_weights()
    h_ref = _fit(ref)
    model = _mlp(OwnTrackers)
    model.set_weights(w0)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    assert [m.name for m in model.metrics][-2:] == ["loss", "mae"]
    h = model.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    # Equal batches: the unweighted mean of batch losses is the epoch loss; a tracker not reset
    # between epochs would drift from the reference after the first epoch.
    np.testing.assert_allclose(h["loss"], h_ref["loss"], rtol=1e-6)
    np.testing.assert_allclose(h["mae"], h_ref["mae"], rtol=1e-6)
    logs = model.evaluate(X, Y, batch_size=64, verbose=0, return_dict=True)
    pred = model.predict(X, verbose=0)
    np.testing.assert_allclose(logs["loss"], np.mean((pred - Y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(logs["mae"], np.mean(np.abs(pred - Y)), rtol=1e-5)
    model.reset_metrics()
    assert float(model.loss_tracker.result()) == 0.0 and float(model.mae_metric.result()) == 0.0


class CustomLossAndMetrics(keras.Model):
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return torch.mean(torch.abs(y_pred - y)) * 2.0

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        self.seen_batches = getattr(self, "seen_batches", 0) + 1
        return super().compute_metrics(x, y, y_pred, sample_weight)


def test_compute_loss_override_used_by_builtin_step():
    model = _mlp(CustomLossAndMetrics)
    model.compile(optimizer="sgd", loss="mse")
    before = model.predict(X, verbose=0)
    logs = model.evaluate(X, Y, batch_size=64, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], 2 * np.mean(np.abs(before - Y)), rtol=1e-5)
    h = model.fit(X, Y, batch_size=16, epochs=2, verbose=0).history
    assert h["loss"][1] < h["loss"][0]


class OverrideTestPredict(keras.Model):
    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.compute_loss(y=y, y_pred=y_pred)      # must not raise
        return {"neg_mse": -torch.mean((y_pred - y) ** 2)}

    def predict_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        return {"double": self(x, training=False) * 2}


def test_test_step_and_predict_step_overrides():
    model = _mlp(OverrideTestPredict)
    model.compile(optimizer="sgd", loss="mse")
    plain = keras.Model.predict_step(model, (torch.from_numpy(X),)).detach().numpy()
    out = model.predict(X, batch_size=16, verbose=0)
    np.testing.assert_allclose(out["double"], 2 * plain, rtol=1e-6)
    logs = model.evaluate(X, Y, batch_size=64, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["neg_mse"], -np.mean((plain - Y) ** 2), rtol=1e-5)


class GAN(keras.Model):
    """The Keras DCGAN guide's structure (torch backend), shrunk to vectors."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.built = True

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real):
        if isinstance(real, (tuple, list)):
            real = real[0]
        n = real.shape[0]
        z = torch.randn(n, self.latent_dim)
        fake = self.generator(z)
        images = torch.cat([fake.detach(), real], 0)
        labels = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)], 0)
        self.zero_grad()
        d_loss = self.loss_fn(labels, self.discriminator(images))
        d_loss.backward()
        grads = [v.value.grad for v in self.discriminator.trainable_weights]
        with torch.no_grad():
            self.d_optimizer.apply(grads, self.discriminator.trainable_weights)
        self.zero_grad()
        g_loss = self.loss_fn(torch.zeros(n, 1), self.discriminator(self.generator(z)))
        g_loss.backward()
        grads = [v.value.grad for v in self.generator.trainable_weights]
        with torch.no_grad():
            self.g_optimizer.apply(grads, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def test_gan_with_two_optimizers_trains():
    torch.manual_seed(0)
    disc = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(1, activation="sigmoid")])
    gen = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="relu"),
                            keras.layers.Dense(2)])
    gan = GAN(disc, gen, latent_dim=3)
    d_opt, g_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt, loss_fn=keras.losses.BinaryCrossentropy())
    d0, g0 = disc.get_weights(), gen.get_weights()
    real = (RNG.standard_normal((64, 2)) + 3).astype("float32")
    h = gan.fit(real, batch_size=16, epochs=2, verbose=0).history
    assert set(h) == {"d_loss", "g_loss"} and len(h["d_loss"]) == 2
    assert all(np.isfinite(h["d_loss"])) and all(np.isfinite(h["g_loss"]))
    assert int(d_opt.iterations) == 8 and int(g_opt.iterations) == 8
    assert all(not np.allclose(a, b) for a, b in zip(disc.get_weights(), d0))
    assert all(not np.allclose(a, b) for a, b in zip(gen.get_weights(), g0))
    assert gan.metrics == [gan.d_loss_tracker, gan.g_loss_tracker]


def test_builtin_metrics_order_and_reset():
    model = _mlp()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.evaluate(X, Y, verbose=0)
    names = [m.name for m in model.metrics]
    assert names[0] == "loss" and len(names) == 2
    model.reset_metrics()
    res = model.get_metrics_result()
    assert float(res["loss"]) == 0.0 and float(res["mae"]) == 0.0


@pytest.mark.parametrize("bad", [[None], "x"])
def test_optimizer_apply_errors_are_clear(bad):
    model = _mlp()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError):
        model.optimizer.apply(bad * len(model.trainable_weights) if bad == [None] else [bad],
                              model.trainable_weights)


def test_subclassed_call_without_training_arg_runs_inference_mode_in_fit():
    """Keras calls self(x) without a flag when call() has no `training` parameter: BN keeps its moving stats."""
    import numpy as np

    import torchkeras as keras

    class NoFlag(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(3)
            self.bn = keras.layers.BatchNormalization()

        def call(self, x):
            return self.bn(self.d(x))

    m = NoFlag()
    m.compile(optimizer="sgd", loss="mse")
    m.fit(np.random.rand(16, 4).astype("float32"), np.random.rand(16, 3).astype("float32"), epochs=1, verbose=0)
    assert np.allclose(m.bn.moving_mean.numpy(), 0.0)
