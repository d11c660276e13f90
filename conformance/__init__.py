"""torchkeras conformance: the same layers and models in real tf.keras and torchkeras, compared to
float32 rounding (|ours - keras| <= atol + rtol*|keras|).

    python -m conformance [--filter SUBSTRING] [--json out.json]
    conformance.compare(keras_model, torchkeras_model, inputs, copy_weights=True).raise_if_failed()

Only `conformance.reference` imports TensorFlow, lazily, after torch.
"""

from conformance.case import Case, layer_case
from conformance.compare import Comparison, compare, copy_layer_weights
from conformance.harness import run_case
from conformance.reference import ReferenceUnavailable
from conformance.values import Result


def all_cases():
    from conformance.cases import all_cases as _all
    return _all()


__all__ = ["Case", "Comparison", "ReferenceUnavailable", "Result", "all_cases", "compare", "copy_layer_weights",
           "layer_case", "run_case"]
