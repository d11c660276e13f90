"""Adafactor, Lamb, ScheduleFreeAdamW, Muon, LossScaleOptimizer, MultiOptimizer: numpy
references of Keras's rules (float64 here; tolerance covers float32), state and configs."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import optimizers
from torchkeras.variables import Variable

rng = np.random.default_rng(3)


def _run(opt_cls, init, grads, **kw):
    p = torch.nn.Parameter(torch.tensor(init, dtype=torch.float32))
    opt = opt_cls([p], **kw)
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
    return p.detach().numpy(), opt


def test_lamb_matches_numpy():
    w0, grads = rng.normal(size=5), [rng.normal(size=5) for _ in range(4)]
    w, m, v = w0.copy(), np.zeros(5), np.zeros(5)
    for t, g in enumerate(grads, 1):
        m += (g - m) * 0.1
        v += (g * g - v) * 0.001
        u = (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-7)
        w -= np.linalg.norm(w) / np.linalg.norm(u) * 0.01 * u
    ours, opt = _run(optimizers.Lamb, w0, grads, learning_rate=0.01)
    np.testing.assert_allclose(ours, w, rtol=1e-5, atol=1e-6)
    assert len(opt.variables) == 4


def test_schedule_free_adamw_matches_numpy():
    w0, grads = rng.normal(size=4), [rng.normal(size=4) for _ in range(5)]
    y, z, v = w0.copy(), w0.copy(), np.zeros(4)
    for t, g in enumerate(grads, 1):
        v += (g * g - v) * 0.001
        z -= 0.01 * g / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        x_old = (y - 0.1 * z) / 0.9  # Keras reads the already-updated z here
        x = (1 - 1 / t) * x_old + z / t
        y = 0.1 * z + 0.9 * x
    ours, _ = _run(optimizers.ScheduleFreeAdamW, w0, grads, learning_rate=0.01)
    np.testing.assert_allclose(ours, y, rtol=1e-5, atol=1e-6)


def test_adafactor_matrix_and_vector():
    w0, grads = rng.normal(size=(3, 4)), [rng.normal(size=(3, 4)) for _ in range(3)]
    w, r, c = w0.copy(), np.zeros(3), np.zeros(4)
    for t, g in enumerate(grads, 1):
        lr = min(0.001, 1 / np.sqrt(t))
        alpha = max(1e-3, np.sqrt(np.mean(w ** 2))) * min(lr, 1 / np.sqrt(t))
        reg = g * g + 1e-30
        b = 1 - t ** -0.8
        r = b * r + (1 - b) * reg.mean(-1)
        c = b * c + (1 - b) * reg.mean(-2)
        vv = (r / r.mean())[:, None] * c[None, :]
        u = g / np.sqrt(vv)
        w -= alpha * u / max(1.0, np.sqrt(np.mean(u ** 2)))
    ours, opt = _run(optimizers.Adafactor, w0, grads)
    np.testing.assert_allclose(ours, w, rtol=1e-5, atol=1e-7)
    assert [tuple(v.shape) for v in opt.variables] == [(), (), (3,), (4,), (3, 4)]


def test_muon_orthogonalises_2d_and_uses_adamw_elsewhere():
    opt = optimizers.Muon()
    x = torch.tensor(rng.normal(size=(4, 6)), dtype=torch.float32)
    out = opt.zeropower_via_newtonschulz5(x, 5)
    sv = torch.linalg.svdvals(out)
    assert float(sv.max()) < 1.3 and float(sv.min()) > 0.5  # near-orthogonal rows
    np.testing.assert_allclose(opt.lr_adjust(torch.ones(4, 2)), np.full((4, 2), 0.4), rtol=1e-6)
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2)])
    kernel, bias = model.layers[0].kernel, model.layers[0].bias
    assert not opt._should_use_adamw(kernel) and opt._should_use_adamw(bias)
    cfg = optimizers.Muon(exclude_layers=["dense"]).get_config()
    assert cfg["exclude_layers"] == ["dense"] and cfg["ns_steps"] == 5


def _vars():
    holder = torch.nn.Module()
    holder.name = "layer"
    holder.register_parameter("k", torch.nn.Parameter(torch.ones(3)))
    holder.register_parameter("b", torch.nn.Parameter(torch.ones(2)))
    return holder, [Variable(holder, "k", "kernel"), Variable(holder, "b", "bias")]


def test_loss_scale_optimizer_dynamic_scale():
    holder, variables = _vars()
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=8.0,
                                        dynamic_growth_steps=2)
    opt.apply([torch.tensor([1.0, np.inf, 1.0]), torch.ones(2)], variables)
    assert opt.dynamic_scale == 4.0 and int(opt.iterations) == 0
    np.testing.assert_array_equal(holder.k.detach(), np.ones(3))
    for _ in range(2):
        opt.apply([torch.ones(3) * 4.0, torch.ones(2) * 4.0], variables)
    np.testing.assert_allclose(holder.k.detach(), np.full(3, 0.8), rtol=1e-6)
    assert opt.dynamic_scale == 8.0 and opt.step_counter == 0 and int(opt.iterations) == 2
    assert float(opt.scale_loss(torch.tensor(1.0))) == 8.0
    clone = optimizers.LossScaleOptimizer.from_config(opt.get_config())
    assert isinstance(clone.inner_optimizer, optimizers.SGD) and clone.initial_scale == 8.0
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)


def test_multi_optimizer_routes_by_path():
    holder, variables = _vars()
    omap = optimizers.OptimizerMap(optimizers.SGD(0.1), {".*bias": optimizers.SGD(0.5)})
    multi = optimizers.MultiOptimizer(omap)
    multi.apply([torch.ones(3), torch.ones(2)], variables)
    np.testing.assert_allclose(holder.k.detach(), np.full(3, 0.9), rtol=1e-6)
    np.testing.assert_allclose(holder.b.detach(), np.full(2, 0.5), rtol=1e-6)
    assert int(multi.iterations) == 1 and len(multi.optimizers) == 2
    with pytest.raises(AttributeError, match="MultiOptimizer"):
        multi.learning_rate  # noqa: B018
    back = optimizers.MultiOptimizer.from_config(multi.get_config())
    assert isinstance(back._optimizer_map, optimizers.OptimizerMap)
    with pytest.raises(ValueError, match="already exists"):
        omap[".*bias"] = optimizers.Adam()


def test_learning_rate_value_compares_in_float32():
    opt = optimizers.SGD(learning_rate=0.01)
    assert opt.learning_rate.value == 0.01 and opt.learning_rate.value.dtype == torch.float32
