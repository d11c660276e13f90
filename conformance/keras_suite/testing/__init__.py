"""Our port of `keras.src.testing` (TestCase and helpers), which the shim serves to Keras's tests."""

from conformance.keras_suite.testing import test_utils
from conformance.keras_suite.testing.test_case import (
    TestCase,
    jax_uses_gpu,
    jax_uses_tpu,
    tensorflow_uses_gpu,
    tensorflow_uses_tpu,
    torch_uses_gpu,
    uses_gpu,
    uses_tpu,
)
