"""The training loop's short paths (fused loss reduction, metric update, Adam's one-pass update,
direct layer calls, the optimizer's own hook handling) behave exactly like the general paths."""

import numpy as np
import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_post_hook

import torchkeras as keras
from torchkeras import layers
from torchkeras.losses import get_loss
from torchkeras.losses.loss import Loss


def _batch(seed=0, n=16, k=5):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, k, generator=g) * 3
    y = torch.nn.functional.one_hot(torch.randint(0, k, (n,), generator=g), k).float()
    return logits, y


def _softmax_output(logits):
    out = torch.softmax(logits, -1)
    out._keras_logits = logits
    return out


@pytest.mark.parametrize("case", ["softmax_logits", "probabilities", "from_logits", "smoothing",
                                  "int_labels", "rank3"])
def test_fused_categorical_crossentropy_matches_general_path_bitwise(case):
    logits, y = _batch()
    kwargs = {}
    if case == "rank3":
        logits, y = logits.reshape(4, 4, 5), y.reshape(4, 4, 5)
    if case == "from_logits":
        kwargs["from_logits"] = True
    if case == "smoothing":
        kwargs["label_smoothing"] = 0.1
    loss = keras.losses.CategoricalCrossentropy(**kwargs)
    values = []
    for fused in (True, False):
        leaf = logits.clone().requires_grad_(True)
        pred = leaf if case == "from_logits" else (
            torch.softmax(leaf, -1) if case == "probabilities" else _softmax_output(leaf))
        target = y.to(torch.int64) if case == "int_labels" else y
        out = loss(target, pred) if fused else Loss.__call__(loss, target, pred)
        out.backward()
        values.append((out.detach(), leaf.grad))
    (v1, g1), (v2, g2) = values
    assert torch.equal(v1, v2) and torch.equal(g1, g2)
    # and the value is crossentropy: -mean(sum(y' * log softmax)), in float64 numpy
    z = logits.double().numpy()
    log_p = z - z.max(-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(-1, keepdims=True))
    yy = y.double().numpy()
    if case == "smoothing":
        yy = yy * 0.9 + 0.1 / yy.shape[-1]
    np.testing.assert_allclose(float(v1), -(yy * log_p).sum(-1).mean(), rtol=1e-5)


def test_fused_loss_leaves_masks_weights_and_custom_calls_to_the_general_path():
    logits, y = _batch()
    loss = get_loss("categorical_crossentropy")
    pred = _softmax_output(logits)
    weights = torch.linspace(0, 1, 16)
    assert torch.equal(loss(y, pred, sample_weight=weights),
                       Loss.__call__(loss, y, pred, sample_weight=weights))
    masked = _softmax_output(logits)
    masked._keras_mask = torch.arange(16) < 10
    # Keras's masked mean: the average over the unmasked samples only
    expected = Loss.__call__(loss, y[:10], _softmax_output(logits[:10]))
    torch.testing.assert_close(loss(y, masked), expected)

    class Doubled(keras.losses.CategoricalCrossentropy):
        def call(self, y_true, y_pred):
            return 2 * super().call(y_true, y_pred)

    torch.testing.assert_close(Doubled()(y, pred), 2 * loss(y, pred))


def test_metric_short_path_is_the_mean_of_per_sample_values():
    logits, y = _batch(n=32, k=4)
    metric = keras.metrics.CategoricalAccuracy()
    metric.update_state(y[:20], logits[:20])
    metric.update_state(y[20:], logits[20:])
    expected = (y.numpy().argmax(-1) == logits.numpy().argmax(-1)).mean()
    assert float(metric.result()) == pytest.approx(expected)
    assert float(metric.count) == 32.0
    weighted = keras.metrics.CategoricalAccuracy()
    weighted.update_state(y, logits, sample_weight=torch.ones(32))
    assert float(weighted.result()) == float(metric.result())


def test_adam_cpu_update_is_keras_formula_bitwise():
    torch.manual_seed(0)
    p = torch.nn.Parameter(torch.randn(7, 3))
    opt = keras.optimizers.Adam([p], learning_rate=0.01)
    for step in range(1, 6):
        p.grad = torch.randn(7, 3)
        before = p.detach().clone()
        opt.step()
        m, v = opt.state[p]["momentum"], opt.state[p]["velocity"]
        f = np.float32
        alpha = f(0.01) * np.sqrt(f(1) - f(0.999) ** f(step)) / (f(1) - f(0.9) ** f(step))
        # Keras's op sequence, one op at a time (torch's sqrt, which may differ from numpy's
        # by an ulp, as the fused update uses it too)
        expected = before - (m * float(alpha)) / (torch.sqrt(v) + float(f(1e-7)))
        assert torch.equal(p.detach(), expected)


def test_optimizer_step_hooks_and_profiler_still_run():
    p = torch.nn.Parameter(torch.ones(3))
    opt = keras.optimizers.SGD([p], learning_rate=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    h3 = register_optimizer_step_post_hook(
        lambda o, args, kwargs: calls.append("global"))
    try:
        p.grad = torch.ones(3)
        opt.step()
    finally:
        h1.remove()
        h2.remove()
        h3.remove()
    assert calls == ["pre", "post", "global"]
    torch.testing.assert_close(p.detach(), torch.full((3,), 0.9))
    with torch.profiler.profile() as prof:
        opt.step()
    assert any(e.name == "Optimizer.step#SGD.step" for e in prof.events())
    calls.clear()
    opt.step()
    assert calls == []


def _models():
    seq = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(2)])
    inp = keras.Input((3,))
    func = keras.Model(inp, layers.Dense(2)(layers.Dense(4, activation="relu")(inp)))
    return {"sequential": seq, "functional": func}


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_layer_hooks_run_inside_models(kind):
    model = _models()[kind]
    x = torch.randn(5, 3)
    base = model(x)
    inner = [m for m in model.modules() if isinstance(m, layers.Dense)][-1]
    seen = []
    h1 = inner.register_forward_pre_hook(lambda mod, args: seen.append("pre"))
    h2 = inner.register_forward_hook(lambda mod, args, out: out * 0 + 1)
    torch.testing.assert_close(model(x), torch.ones_like(base))
    assert seen == ["pre"]
    h1.remove()
    h2.remove()
    glob = torch.nn.modules.module.register_module_forward_hook(
        lambda mod, args, out: seen.append(type(mod).__name__))
    try:
        torch.testing.assert_close(model(x), base)
    finally:
        glob.remove()
    assert seen.count("Dense") == 2


def test_fit_calls_an_overridden_zero_grad_each_step():
    class Counting(keras.Sequential):
        calls = 0

        def zero_grad(self, set_to_none=True):
            type(self).calls += 1
            super().zero_grad(set_to_none=set_to_none)

    model = Counting([layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((40, 3), "float32"), np.ones((40, 2), "float32"), batch_size=8, verbose=0)
    assert Counting.calls == 5
