"""torchkeras.optimizers against independent float32 numpy implementations of Keras's update
formulas (written from NUMERICS.md §4 / the Keras docs, not from our output), plus the API:
construction forms, build, apply, config, get(), Keras 2 arguments, torch interop."""

import inspect
import warnings

import numpy as np
import pytest
import torch

import torchkeras.optimizers as tko
from torchkeras.variables import Variable

f = np.float32
ATOL, RTOL = 1e-6, 1e-5
SHAPES = [(5, 3), (3,), (2, 2, 2)]


def data(seed=0, steps=12):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s).astype(f) for s in SHAPES]
    grads = [[rng.normal(size=s).astype(f) * f(1 + t % 3) for s in SHAPES] for t in range(steps)]
    return init, grads


# ---- numpy references: one function per rule, state dict per variable ------------------------
def ref_sgd(p, g, s, t, lr, momentum=0.0, nesterov=False):
    if momentum == 0:
        return p - g * lr
    m = s.get("m", np.zeros_like(p)) * f(momentum) - g * lr
    s["m"] = m
    return p + (m * f(momentum) - g * lr) if nesterov else p + m


def ref_adam(p, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    m = s.get("m", np.zeros_like(p))
    v = s.get("v", np.zeros_like(p))
    b1t, b2t = f(beta_1) ** f(t), f(beta_2) ** f(t)
    alpha = lr * np.sqrt(f(1) - b2t) / (f(1) - b1t)
    m = m + (g - m) * f(1 - beta_1)
    v = v + (g * g - v) * f(1 - beta_2)
    s["m"], s["v"] = m, v
    if amsgrad:
        v = s["vh"] = np.maximum(s.get("vh", np.zeros_like(p)), v)
    return p - m * alpha / (np.sqrt(v) + f(epsilon))


def ref_rmsprop(p, g, s, t, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    v = s["v"] = f(rho) * s.get("v", np.zeros_like(p)) + f(1 - rho) * g * g
    if centered:
        mg = s["mg"] = f(rho) * s.get("mg", np.zeros_like(p)) + f(1 - rho) * g
        denom = v - mg * mg + f(epsilon)
    else:
        denom = v + f(epsilon)
    inc = lr * g / np.sqrt(denom)
    if momentum > 0:
        mom = s["mom"] = f(momentum) * s.get("mom", np.zeros_like(p)) + inc
        return p - mom
    return p - inc


def ref_adagrad(p, g, s, t, lr, initial_accumulator_value=0.1, epsilon=1e-7):
    acc = s["acc"] = s.get("acc", np.full_like(p, initial_accumulator_value)) + g * g
    return p - lr * g / np.sqrt(acc + f(epsilon))


def ref_adadelta(p, g, s, t, lr, rho=0.95, epsilon=1e-7):
    eg = s["eg"] = f(rho) * s.get("eg", np.zeros_like(p)) + f(1 - rho) * g * g
    ed = s.get("ed", np.zeros_like(p))
    d = -np.sqrt(ed + f(epsilon)) * g / np.sqrt(eg + f(epsilon))
    s["ed"] = f(rho) * ed + f(1 - rho) * d * d
    return p + lr * d


def ref_adamax(p, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = s["m"] = s.get("m", np.zeros_like(p)) + (g - s.get("m", np.zeros_like(p))) * f(1 - beta_1)
    u = s["u"] = np.maximum(f(beta_2) * s.get("u", np.zeros_like(p)), np.abs(g))
    return p - lr * m / ((f(1) - f(beta_1) ** f(t)) * (u + f(epsilon)))


def ref_nadam(p, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    b1, b2 = f(beta_1), f(beta_2)
    mu = lambda k: b1 * (f(1) - f(0.5) * f(0.96) ** f(k))  # Keras 3's momentum schedule
    prod = s["prod"] = s.get("prod", f(1)) * mu(t)
    m = s["m"] = s.get("m", np.zeros_like(p)) * b1 + g * (f(1) - b1)
    v = s["v"] = s.get("v", np.zeros_like(p)) * b2 + g * g * (f(1) - b2)
    m_hat = mu(t + 1) * m / (f(1) - prod * mu(t + 1)) + (f(1) - mu(t)) * g / (f(1) - prod)
    v_hat = v / (f(1) - b2 ** f(t))
    return p - m_hat * lr / (np.sqrt(v_hat) + f(epsilon))


def ref_lion(p, g, s, t, lr, beta_1=0.9, beta_2=0.99):
    m = s.get("m", np.zeros_like(p))
    p = p - lr * np.sign(m * f(beta_1) + g * (f(1) - f(beta_1)))
    s["m"] = m * f(beta_2) + g * (f(1) - f(beta_2))
    return p


def ref_ftrl(p, g, s, t, lr, learning_rate_power=-0.5, initial_accumulator_value=0.1,
             l1_regularization_strength=0.0, l2_regularization_strength=0.0,
             l2_shrinkage_regularization_strength=0.0, beta=0.0):
    acc = s.get("acc", np.full_like(p, initial_accumulator_value))
    lin = s.get("lin", np.zeros_like(p))
    k = f(-learning_rate_power)
    l2 = f(l2_regularization_strength) + f(beta) / (f(2) * lr)
    new_acc = acc + g * g
    g_shr = g + f(2 * l2_shrinkage_regularization_strength) * p
    lin = lin + g_shr - (new_acc ** k - acc ** k) / lr * p
    quad = new_acc ** k / lr + f(2) * l2
    l1 = f(l1_regularization_strength)
    s["acc"], s["lin"] = new_acc, lin
    return (np.clip(lin, -l1, l1) - lin) / quad


REFS = {"SGD": ref_sgd, "Adam": ref_adam, "AdamW": ref_adam, "RMSprop": ref_rmsprop,
        "Adagrad": ref_adagrad, "Adadelta": ref_adadelta, "Adamax": ref_adamax,
        "Nadam": ref_nadam, "Lion": ref_lion, "Ftrl": ref_ftrl}
BASE_ARGS = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "learning_rate")


def run_reference(name, kw, init, grads):
    kw = dict(kw)
    default_lr = inspect.signature(getattr(tko, name)).parameters["learning_rate"].default
    lr = f(kw.get("learning_rate", default_lr))
    wd = kw.get("weight_decay", 0.004 if name == "AdamW" else None)
    clipnorm, clipvalue, gclip = (kw.get(k) for k in ("clipnorm", "clipvalue", "global_clipnorm"))
    rule_kw = {k: v for k, v in kw.items() if k not in BASE_ARGS}
    params, states = [x.copy() for x in init], [{} for _ in init]
    for t, gs in enumerate(grads, 1):
        gs = [g.copy() for g in gs]
        if clipnorm:
            gs = [g * f(clipnorm) / max(np.sqrt((g * g).sum(dtype=f)), f(clipnorm)) for g in gs]
        if gclip:
            norm = np.sqrt(sum((g * g).sum(dtype=f) for g in gs))
            gs = [g * (f(gclip) * min(f(1) / norm, f(1) / f(gclip))) for g in gs]
        if clipvalue:
            gs = [np.clip(g, -f(clipvalue), f(clipvalue)) for g in gs]
        if wd is not None:
            params = [p - p * f(wd) * lr for p in params]
        params = [REFS[name](p, g, s, t, lr, **rule_kw).astype(f)
                  for p, g, s in zip(params, gs, states)]
    return params


def torch_params(init):
    return [torch.nn.Parameter(torch.tensor(x)) for x in init]


def run_step(opt_cls, kw, init, grads):
    params = torch_params(init)
    opt = opt_cls(params, **kw)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = torch.tensor(g)
        opt.step()
        opt.zero_grad(set_to_none=True)
    return opt, [p.detach().numpy() for p in params]


CASES = [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.8, "nesterov": True}),
    ("Adam", {}), ("Adam", {"amsgrad": True, "learning_rate": 0.01}),
    ("Adam", {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}),
    ("AdamW", {}), ("AdamW", {"weight_decay": 0.1, "learning_rate": 0.01}),
    ("RMSprop", {}), ("RMSprop", {"momentum": 0.9, "centered": True, "learning_rate": 0.01}),
    ("Adagrad", {}), ("Adagrad", {"initial_accumulator_value": 1.0, "learning_rate": 0.1}),
    ("Adadelta", {}), ("Adadelta", {"learning_rate": 1.0, "rho": 0.9}),
    ("Adamax", {}), ("Nadam", {}), ("Nadam", {"beta_1": 0.8, "learning_rate": 0.01}),
    ("Lion", {}), ("Lion", {"beta_1": 0.5, "beta_2": 0.9}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01,
              "l2_regularization_strength": 0.05, "l2_shrinkage_regularization_strength": 0.02,
              "beta": 0.2}),
    ("Adam", {"clipnorm": 0.5}), ("Adam", {"global_clipnorm": 0.8}),
    ("SGD", {"clipvalue": 0.2, "momentum": 0.5}), ("Adam", {"weight_decay": 0.05}),
]


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_update_rule_matches_numpy_reference(name, kw):
    init, grads = data(len(str(kw)))
    expected = run_reference(name, kw, init, grads)
    _, got = run_step(getattr(tko, name), kw, init, grads)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=ATOL, rtol=RTOL)


def test_nadam_is_not_torch_nadam():
    init, grads = data(3, steps=15)
    _, ours = run_step(tko.Nadam, {}, init, grads)
    params = torch_params(init)
    opt = torch.optim.NAdam(params, lr=1e-3, eps=1e-7)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = torch.tensor(g)
        opt.step()
    diff = max(np.abs(o - p.detach().numpy()).max() for o, p in zip(ours, params))
    assert diff > 1e-5  # the momentum schedules differ (NUMERICS.md §4)


def test_defaults_and_signatures():
    expect = {
        "SGD": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
        "Adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
        "AdamW": dict(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999),
        "RMSprop": dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                        centered=False),
        "Adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7),
        "Adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-7),
        "Adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
        "Nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
        "Lion": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.99),
        "Ftrl": dict(learning_rate=0.001, learning_rate_power=-0.5,
                     initial_accumulator_value=0.1, beta=0.0),
    }
    base = dict(clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                gradient_accumulation_steps=None, name=None)
    for name, defaults in expect.items():
        params = inspect.signature(getattr(tko, name)).parameters
        assert list(params)[0] == "learning_rate"
        for k, v in {**base, **defaults}.items():
            assert params[k].default == v, (name, k)


def test_keras_form_builds_lazily_and_build_is_idempotent():
    init, grads = data()
    params = torch_params(init)
    opt = tko.Adam()
    assert not opt.built and opt.variables[0].item() == 0
    with pytest.raises(ValueError, match="build"):
        opt.step()
    opt.build(params[:2])
    n = len(opt.variables)
    assert n == 2 + 2 * 2
    opt.build(params[:2])
    assert len(opt.variables) == n and len(opt.param_groups[0]["params"]) == 2
    opt.build(params)
    assert len(opt.variables) == 2 + 2 * 3 and len(opt.param_groups[0]["params"]) == 3


def test_apply_and_apply_gradients_match_step():
    init, grads = data()
    _, via_step = run_step(tko.RMSprop, {"momentum": 0.5}, init, grads)
    params = torch_params(init)
    opt = tko.RMSprop(momentum=0.5)
    for t, gs in enumerate(grads):
        gs = [torch.tensor(g) for g in gs]
        if t % 2:
            opt.apply(gs, params)
        else:
            opt.apply_gradients(zip(gs, params))
    assert int(opt.iterations) == len(grads)
    for a, b in zip(via_step, params):
        np.testing.assert_allclose(a, b.detach().numpy(), atol=ATOL, rtol=RTOL)


def test_variables_with_keras_layout_gradients():
    """A Variable whose Keras layout is the transpose of its torch parameter."""
    init, grads = data()
    expected = run_reference("Adam", {}, init, grads)
    module = torch.nn.Module()
    module.w = torch.nn.Parameter(torch.tensor(init[0].T.copy()))
    t = lambda a: a.T
    kernel = Variable(module, "w", "kernel", to_keras=t, to_torch=t)
    rest = torch_params(init[1:])
    opt = tko.Adam()
    for gs in grads:
        opt.apply([torch.tensor(g) for g in gs], [kernel] + rest)
    np.testing.assert_allclose(kernel.numpy(), expected[0], atol=ATOL, rtol=RTOL)
    assert opt.state[module.w]["momentum"].shape == (3, 5)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply([None, torch.zeros(3), torch.zeros(2, 2, 2)], [kernel] + rest)
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply([None, None, None], [kernel] + rest)


def test_weight_decay_exclusion_by_name_and_by_variable():
    init, grads = data()
    params = torch_params(init)
    opt = tko.AdamW([("kernel", params[0]), ("bias", params[1]), ("gamma", params[2])],
                    weight_decay=0.5, learning_rate=0.1)
    opt.exclude_from_weight_decay(var_list=[params[2]], var_names=["bia"])
    zero = [np.zeros(s, f) for s in SHAPES]
    for p, g in zip(params, zero):
        p.grad = torch.tensor(g)
    opt.step()
    np.testing.assert_allclose(params[0].detach().numpy(),
                               init[0] - init[0] * f(0.5) * f(0.1), atol=ATOL)
    np.testing.assert_array_equal(params[1].detach().numpy(), init[1])
    np.testing.assert_array_equal(params[2].detach().numpy(), init[2])


def test_ema_and_gradient_accumulation_semantics():
    init, grads = data(steps=6)
    params = torch_params(init)
    opt = tko.SGD(params, learning_rate=0.1, use_ema=True, ema_momentum=0.5)
    avg, p_ref = None, [x.copy() for x in init]
    for t, gs in enumerate(grads):
        for p, g in zip(params, gs):
            p.grad = torch.tensor(g)
        opt.step()
        p_ref = [p - g * f(0.1) for p, g in zip(p_ref, gs)]
        mom = f(0.5) if t else f(0)
        avg = [mom * (a if avg else 0) + (f(1) - mom) * p for a, p in
               zip(avg or p_ref, p_ref)]
    opt.finalize_variable_values(params)
    for p, a in zip(params, avg):
        np.testing.assert_allclose(p.detach().numpy(), a, atol=ATOL, rtol=RTOL)

    params = torch_params(init)
    opt = tko.SGD(params, learning_rate=0.1, gradient_accumulation_steps=3)
    for t, gs in enumerate(grads):
        for p, g in zip(params, gs):
            p.grad = torch.tensor(g)
        opt.step()
        assert int(opt.iterations) == (t + 1) // 3
    mean = lambda k, i: sum(grads[j][i] for j in range(3 * k, 3 * k + 3)) / f(3)
    for i, p in enumerate(params):
        expect = init[i] - mean(0, i) * f(0.1) - mean(1, i) * f(0.1)
        np.testing.assert_allclose(p.detach().numpy(), expect, atol=ATOL, rtol=RTOL)


def test_learning_rate_property_and_torch_schedulers():
    p = torch.nn.Parameter(torch.zeros(3))
    opt = tko.SGD([p], learning_rate=0.5)
    assert opt.learning_rate == float(f(0.5)) and opt.learning_rate.numpy() == f(0.5)
    opt.learning_rate = 0.1
    assert opt.param_groups[0]["lr"] == float(f(0.1)) and opt.get_config()["learning_rate"] == \
        float(f(0.1))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    p.grad = torch.ones(3)
    opt.step()
    sched.step()
    assert abs(float(opt.learning_rate) - 0.05) < 1e-8
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), -(f(0.1) + f(0.05)) * np.ones(3), atol=1e-7)
    s = tko.schedules.ExponentialDecay(0.1, 1, 0.5)
    opt = tko.SGD(learning_rate=s)
    opt.build([p])
    opt.step()
    opt.step()
    assert opt.learning_rate == float(f(0.1) * f(0.25))
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.3


def test_keras2_lr_and_decay():
    from torchkeras.optimizers import _values
    _values._warned.clear()  # the warnings are once per process; another test may have used lr=
    p = torch.nn.Parameter(torch.zeros(2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opt = tko.SGD([p], lr=0.2, decay=0.5)
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert opt.learning_rate == float(f(0.2))
    p.grad = torch.ones(2)
    expected = np.zeros(2, f)
    for t in range(4):
        opt.step()
        expected = expected - f(0.2) / (f(1) + f(0.5) * f(t))
    np.testing.assert_allclose(p.detach().numpy(), expected, atol=1e-7)
    assert tko.Adam(lr=0.01).learning_rate == float(f(0.01))


def test_bad_arguments_raise_keras_style_errors():
    with pytest.raises(ValueError, match="not recognized"):
        tko.Adam(foo=1)
    with pytest.raises(ValueError, match="Only one of"):
        tko.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="learning_rate"):
        tko.Adam(learning_rate="fast")
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        tko.SGD(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="momentum"):
        tko.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        tko.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="beta_1"):
        tko.Lion(beta_1=0.0)


def test_get_serialize_deserialize():
    for ident, cls in [("sgd", tko.SGD), ("SGD", tko.SGD), ("Adam", tko.Adam), ("adam", tko.Adam),
                       ("rmsprop", tko.RMSprop), ("RMSprop", tko.RMSprop),
                       ("adamw", tko.AdamW), ("nadam", tko.Nadam), ("Adagrad", tko.Adagrad),
                       ("adadelta", tko.Adadelta), ("adamax", tko.Adamax), ("lion", tko.Lion),
                       ("ftrl", tko.Ftrl)]:
        assert type(tko.get(ident)) is cls
    opt = tko.Adam(learning_rate=0.01, beta_1=0.8)
    assert tko.get(opt) is opt
    config = tko.serialize(opt)
    assert config["class_name"] == "Adam" and config["module"] == "keras.optimizers"
    back = tko.get(config)
    assert isinstance(back, tko.Adam) and back.beta_1 == 0.8
    assert back.get_config() == opt.get_config()
    assert tko.get(None) is None
    legacy = tko.deserialize({"class_name": "SGD", "config": {"learning_rate": 0.3}})
    assert legacy.learning_rate == float(f(0.3))
    with pytest.raises(ValueError, match="adam"):
        tko.get("adamm")
    sched = tko.SGD(learning_rate=tko.schedules.CosineDecay(0.1, 100))
    again = tko.deserialize(tko.serialize(sched))
    assert isinstance(again._lr_fn, tko.schedules.CosineDecay)


def test_state_dict_round_trip_and_deepcopy():
    import copy
    init, grads = data()
    opt, _ = run_step(tko.Nadam, {}, init, grads[:5])
    sd = opt.state_dict()
    assert sd["keras"]["iterations"] == 5
    params = torch_params(init)
    fresh = tko.Nadam(params)
    fresh.load_state_dict(sd)
    assert int(fresh.iterations) == 5
    assert fresh._scalars["u_product"] == opt._scalars["u_product"]
    clone = copy.deepcopy(opt)
    assert int(clone.iterations) == 5 and clone.name == opt.name


def test_float64_parameters():
    init, grads = data()
    params = [torch.nn.Parameter(torch.tensor(x, dtype=torch.float64)) for x in init]
    opt = tko.Adam(params, learning_rate=0.01)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    assert all(p.dtype == torch.float64 for p in params)
    assert opt.state[params[0]]["momentum"].dtype == torch.float64
