"""Learning-rate schedules against the closed-form formulas in Keras's documentation
(computed independently in float64 math; compared at float32 precision)."""

import math

import numpy as np
import pytest
import torch

import torchkeras.optimizers as tko
from torchkeras.optimizers import schedules as S

STEPS = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100, 1000]


def close(got, expected):
    assert isinstance(got, float)
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-9)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    s = S.ExponentialDecay(0.1, decay_steps=7, decay_rate=0.8, staircase=staircase)
    for t in STEPS:
        p = math.floor(t / 7) if staircase else t / 7
        close(s(t), 0.1 * 0.8 ** p)


def test_piecewise_constant_decay():
    s = S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    for t, v in [(0, 1.0), (10, 1.0), (11, 0.5), (20, 0.5), (21, 0.1), (500, 0.1)]:
        close(s(t), v)
    with pytest.raises(ValueError, match="1 less"):
        S.PiecewiseConstantDecay([1, 2], [1.0])


@pytest.mark.parametrize("cycle", [False, True])
def test_polynomial_decay(cycle):
    s = S.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=0.5, cycle=cycle)
    for t in STEPS:
        if cycle:
            d = 10 * (math.ceil(t / 10) if t else 1)
        else:
            d, t = 10, min(t, 10)
        close(s(t), (0.1 - 0.01) * (1 - t / d) ** 0.5 + 0.01)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    s = S.InverseTimeDecay(0.1, decay_steps=3, decay_rate=0.5, staircase=staircase)
    for t in STEPS:
        p = math.floor(t / 3) if staircase else t / 3
        close(s(t), 0.1 / (1 + 0.5 * p))


def test_cosine_decay_and_warmup():
    s = S.CosineDecay(0.1, decay_steps=20, alpha=0.1)
    for t in STEPS:
        c = 0.5 * (1 + math.cos(math.pi * min(t, 20) / 20))
        close(s(t), 0.1 * ((1 - 0.1) * c + 0.1))
    w = S.CosineDecay(0.0, decay_steps=20, warmup_target=0.2, warmup_steps=10)
    for t in STEPS:
        if t < 10:
            expected = 0.2 * t / 10
        else:
            c = 0.5 * (1 + math.cos(math.pi * min(t - 10, 20) / 20))
            expected = 0.2 * c
        np.testing.assert_allclose(w(t), expected, rtol=2e-6, atol=1e-8)


def _sgdr(t, lr, first, t_mul, m_mul, alpha):
    # Walk the restart periods one by one (independent of the closed form Keras uses).
    period, start, i = first, 0.0, 0
    while t >= start + period:
        start += period
        period *= t_mul
        i += 1
    frac = (t - start) / period
    return lr * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * frac)) + alpha)


@pytest.mark.parametrize("t_mul,m_mul,alpha", [(2.0, 1.0, 0.0), (1.0, 0.5, 0.1), (1.5, 0.8, 0.0)])
def test_cosine_decay_restarts(t_mul, m_mul, alpha):
    s = S.CosineDecayRestarts(0.1, first_decay_steps=4, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    for t in [0, 1, 2, 3, 5, 7, 9, 13, 22, 40]:
        np.testing.assert_allclose(s(t), _sgdr(t, 0.1, 4, t_mul, m_mul, alpha),
                                   rtol=1e-5, atol=1e-7)


def test_configs_and_serialization():
    cases = [
        (S.ExponentialDecay(0.1, 10, 0.9), {"initial_learning_rate", "decay_steps", "decay_rate",
                                            "staircase", "name"}),
        (S.PiecewiseConstantDecay([1], [0.1, 0.01]), {"boundaries", "values", "name"}),
        (S.PolynomialDecay(0.1, 10), {"initial_learning_rate", "decay_steps",
                                      "end_learning_rate", "power", "cycle", "name"}),
        (S.InverseTimeDecay(0.1, 10, 0.5), {"initial_learning_rate", "decay_steps", "decay_rate",
                                            "staircase", "name"}),
        (S.CosineDecay(0.1, 10), {"initial_learning_rate", "decay_steps", "alpha", "name",
                                  "warmup_target", "warmup_steps"}),
        (S.CosineDecayRestarts(0.1, 10), {"initial_learning_rate", "first_decay_steps", "t_mul",
                                          "m_mul", "alpha", "name"}),
    ]
    for sched, keys in cases:
        assert set(sched.get_config()) == keys
        config = S.serialize(sched)
        assert config["module"] == "keras.optimizers.schedules"
        assert config["class_name"] == type(sched).__name__
        back = S.deserialize(config)
        assert type(back) is type(sched) and back.get_config() == sched.get_config()
        assert back(7) == sched(7)


def test_bad_decay_steps():
    for cls in (S.ExponentialDecay, S.InverseTimeDecay):
        with pytest.raises(ValueError, match="decay_steps"):
            cls(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="first_decay_steps"):
        S.CosineDecayRestarts(0.1, 0)


def test_step_may_be_a_tensor_and_optimizer_uses_iterations():
    s = S.ExponentialDecay(0.1, 1, 0.5)
    assert s(torch.tensor(2)) == s(2)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = tko.SGD([p], learning_rate=s)
    p.grad = torch.ones(1)
    expected = 0.0
    for t in range(4):
        assert opt.learning_rate == s(t)
        opt.step()
        expected -= s(t)
    np.testing.assert_allclose(p.item(), expected, rtol=1e-6)
