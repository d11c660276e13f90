"""The harness itself: it must be able to fail (a wrong weight, a wrong shape, a missing reference)."""

import numpy as np
import pytest
import torch  # noqa: F401

from conformance import reference
from conformance.case import Case
from conformance.harness import run_case
from conformance.values import close


def test_close_tolerance_formula():
    ok, err, _ = close(np.float32([1.0, 100.0]), np.float32([1.0 + 5e-7, 100.0 + 9e-4]), 1e-6, 1e-5)
    assert ok and err == pytest.approx(9e-4, rel=1e-3)
    ok, _, detail = close(np.float32([0.0]), np.float32([2e-6]), 1e-6, 1e-5)
    assert not ok and "ours 0" in detail
    assert not close(np.zeros((2, 3)), np.zeros((3, 2)), 1, 1)[0]
    assert not close(np.float32([np.nan]), np.float32([0.0]), 1, 1)[0]


def test_a_wrong_layer_fails():
    # Dense vs a Dense with an extra unit: the shapes differ, so the case must fail
    def build(k):
        return k.layers.Dense(3 if k.__name__ == "keras" else 4)
    assert not run_case(Case(id="wrong", build=build, inputs=(2, 5))).passed


def test_stated_reason_counts_as_failure():
    r = run_case(Case(id="reasoned", layer="Dense", kwargs={"units": 2}, reason="accepted difference"))
    assert not r.passed and any(n == "excluded" for n, _ in r.failures())


def test_missing_reference_is_a_failure(monkeypatch):
    def unavailable():
        raise reference.ReferenceUnavailable("no tensorflow")
    monkeypatch.setattr(reference, "load", unavailable)
    r = run_case(Case(id="noref", layer="Dense", kwargs={"units": 2}))
    assert not r.passed and r.failures()[0][0] == "reference"
