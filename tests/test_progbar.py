import re

import pytest

from torchkeras.utils import progbar as progbar_module
from torchkeras.utils.progbar import Progbar


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(progbar_module.time, "time", c)
    return c


def test_dynamic_bar_matches_keras_escape_sequences(clock, capsys):
    # Expected text taken from real Keras 3.15 output on a terminal.
    bar = Progbar(5, stateless_metrics=set())
    bar._dynamic_display = True
    for step in range(1, 6):
        clock.now += 0.08
        bar.update(step, [("loss", 0.5)])
    out = capsys.readouterr().out
    last = out.split("\r")[-1]
    full = "━" * 20
    assert last == (f"\x1b[1m5/5\x1b[0m \x1b[32m{full}\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m "
                    "80ms/step - loss: 0.5000\n")
    first = out.split("\r")[1]
    # step 1 of 5: 4 green cells, 16 grey, ETA 4 * 0.08s -> "0s"
    assert first.startswith(f"\x1b[1m1/5\x1b[0m \x1b[32m{'━' * 4}\x1b[0m\x1b[37m{'━' * 16}\x1b[0m "
                            "\x1b[1m0s\x1b[0m 80ms/step - loss: 0.5000")


def test_plain_output_prints_only_final_line(clock, capsys):
    bar = Progbar(47, stateless_metrics=set())
    bar._dynamic_display = False
    for step in range(1, 48):
        clock.now += 0.02
        bar.update(step, [("accuracy", 0.91), ("loss", 0.3)])
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "\r" not in out and "\x1b" not in out
    assert re.fullmatch(r"47/47 ━{20} 1s 20ms/step - accuracy: 0\.9100 - loss: 0\.3000\n", out)


def test_verbose_2_line(clock, capsys):
    bar = Progbar(5, verbose=2, stateless_metrics=set())
    for step in range(1, 6):
        clock.now += 0.016
        bar.update(step, [("loss", 0.25)])
    out = capsys.readouterr().out
    assert out == "5/5 - 0s - 16ms/step - loss: 0.2500\n"


def test_small_values_use_scientific_format_and_padding(clock, capsys):
    bar = Progbar(12, stateless_metrics=set())
    bar._dynamic_display = False
    clock.now += 1.5
    bar.update(12, [("loss", 0.0001234)])
    assert capsys.readouterr().out == "12/12 ━━━━━━━━━━━━━━━━━━━━ 2s 125ms/step - loss: 1.2340e-04\n"
    bar = Progbar(120, stateless_metrics=set())
    bar._dynamic_display = False
    clock.now += 0.0012
    bar.update(120, [])
    assert capsys.readouterr().out.startswith("120/120 ━")


def test_stateless_values_are_averaged(clock):
    bar = Progbar(10, verbose=0)
    bar.update(1, [("loss", 1.0)])
    bar.update(3, [("loss", 4.0)])  # weight 2 steps
    total, count = bar._values["loss"]
    assert total / count == pytest.approx((1.0 + 2 * 4.0) / 3)


def test_time_units():
    assert progbar_module.format_time_per_unit(2.4, "step") == " 2s/step"
    assert progbar_module.format_time_per_unit(0.0205, "step") == " 20ms/step"
    assert progbar_module.format_time_per_unit(0.000153, "step") == " 153us/step"


def test_unknown_target(clock, capsys):
    bar = Progbar(None, stateless_metrics=set())
    bar._dynamic_display = True
    bar.update(3, [("loss", 2.0)])
    assert "      3/Unknown" in capsys.readouterr().out


def test_both_metric_lists_rejected():
    with pytest.raises(ValueError, match="Only one of"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])
