"""Every conformance case as one pytest test (ids = case ids). A missing TensorFlow fails, never skips."""

import pytest
import torch  # noqa: F401  (torch before tensorflow)

from conformance.cases import all_cases
from conformance.harness import run_case

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case):
    result = run_case(case)
    if not result.passed:
        lines = [f"{n}: {d}" for n, d in result.failures()]
        pytest.fail(f"{case.id} does not match tf.keras:\n  " + "\n  ".join(lines), pytrace=False)
