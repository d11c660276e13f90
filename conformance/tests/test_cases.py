"""Every conformance case as one pytest test (ids = case ids). A missing TensorFlow fails, never skips."""

import pytest
import torch  # noqa: F401  (torch before tensorflow)

from conformance.cases import all_cases
from conformance.harness import run_case

CASES = all_cases()


def _param(case):
    # A case with a stated reason is a known difference: it counts as NOT matching in the report, and
    # here it is a strict xfail - visible in every run, and an error the day it starts matching.
    marks = [pytest.mark.xfail(reason=case.reason, strict=True)] if case.reason else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case):
    result = run_case(case)
    if not result.passed:
        lines = [f"{n}: {d}" for n, d in result.failures()]
        pytest.fail(f"{case.id} does not match tf.keras:\n  " + "\n  ".join(lines), pytrace=False)
