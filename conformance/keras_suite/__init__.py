"""The Keras suite: Keras 3.15.1's own unit tests, run with pytest against torchkeras.

    python -m conformance.keras_suite [paths-or-globs...] [-j N] [--out FILE] [--timeout S]
    python -m conformance.keras_suite --verbose layers/core/dense_test.py [-- PYTEST_ARGS]

- sdist: downloads the keras sdist (its tests) into ~/.cache/torchkeras/keras-3.15.1/.
- apimap_build / apimap: where Keras exports each keras.src object, computed by importing real Keras
  in a separate process and cached as JSON; the suite's own processes never import real Keras.
- shim: owns the `keras` module name; `keras.src.X.Name` goes to Name's public path in torchkeras.
- placeholders: what a test gets for a name torchkeras lacks (the test fails) or for a Keras
  internal (the test is excluded, with the internal's name as the reason).
- testing: our port of Keras's `testing.TestCase` (assertions, run_layer_test) on torchkeras.
- plugin: the pytest plugin of a suite process; runner: one process per file; report: markdown.
"""
