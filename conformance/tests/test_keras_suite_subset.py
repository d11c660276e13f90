"""A fast slice of the Keras suite: a few of Keras 3.15.1's own test files that torchkeras passes well
must keep their pass rate (`python -m conformance.keras_suite` runs them all). The sdist is fetched
into the user cache on first use; when it cannot be, these tests fail, they do not skip."""

import subprocess
import sys
import textwrap

import pytest

from conformance.keras_suite import apimap, runner, sdist

# file (under keras/src) -> (tests that passed in the reference run, floor on passed / tests that ran).
# Reference run: the full suite of this session (see the report's totals); a floor sits at that
# run's rate less one test, so a regression in any covered behaviour fails here.
SUBSET = {
    "layers/attention/attention_test.py": (32, 0.96),
    "layers/normalization/batch_normalization_test.py": (30, 0.90),
    "layers/preprocessing/text_vectorization_test.py": (35, 0.97),
    "losses/losses_test.py": (160, 0.96),
    "metrics/accuracy_metrics_test.py": (34, 0.94),
    "metrics/regression_metrics_test.py": (36, 0.97),
    "optimizers/schedules/learning_rate_schedule_test.py": (35, 0.97),
}


@pytest.fixture(scope="module")
def root():
    root = sdist.sdist_root()  # SdistUnavailable is an error of this test, never a skip
    apimap.ensure_map()
    return root


@pytest.mark.parametrize("rel", sorted(SUBSET))
def test_upstream_file_pass_rate(root, rel):
    reference_passed, floor = SUBSET[rel]
    result = runner.run_file(root, rel, timeout=240, threads=1)
    ran = result.collected - result.count("excluded") - result.count("skipped")
    assert ran > 0, f"{rel}: no test ran ({result.note})"
    rate = result.count("passed") / ran
    failures = [f"{t['nodeid'].split('::', 1)[-1]}: {t.get('message', '')[:160]}"
                for t in result.tests if t["outcome"] == "failed"]
    assert rate >= floor, (f"{rel}: pass rate {rate:.3f} fell below {floor:.3f} ({result.count('passed')} passed "
                           f"of {ran}; the reference run passed {reference_passed}). Failures:\n"
                           + "\n".join(failures[:30]))


def test_shim_maps_public_paths_missing_names_and_internals(root):
    """In a fresh process (real Keras may be loaded in this one): keras.src names resolve through
    their public path into torchkeras, a name torchkeras lacks fails loudly, an internal is marked."""
    code = textwrap.dedent(f"""
        from conformance.keras_suite import shim
        from conformance.keras_suite.placeholders import KerasInternalUse, MissingName, MissingPublicName
        shim.install({str(root)!r})
        import torchkeras
        from keras.src.layers.core.dense import Dense
        from keras.src import backend, layers
        assert Dense is torchkeras.layers.Dense, Dense
        assert layers.Dense is torchkeras.layers.Dense
        assert backend.backend() == "torch"
        assert backend.SUPPORTS_SPARSE_TENSORS is False
        import keras
        assert keras.layers.Dense is torchkeras.layers.Dense
        from keras.src.utils.tracking import TrackedList
        try:
            TrackedList([1])
            raise SystemExit("an internal name was usable")
        except KerasInternalUse as e:
            assert "keras.src.utils.tracking.TrackedList" in str(e)
        # Internals torchkeras has an equivalent of are answered by it (internals.py).
        from keras.src.backend.torch.trainer import TorchTrainer
        from keras.src.utils import file_utils
        from keras.src.utils.module_utils import tensorflow as tf_lazy
        import torchkeras.trainers.trainer, torchkeras.utils.file_utils
        assert TorchTrainer is torchkeras.trainers.trainer.Trainer
        assert file_utils.hash_file is torchkeras.utils.file_utils.hash_file
        assert repr(tf_lazy) == "LazyModule(tensorflow)"  # the real library, imported on first use
        from conformance.keras_suite.shim import public_value
        missing = public_value(["keras.layers.NoSuchLayerInTorchkeras"], "keras.src.layers.x.NoSuch")
        assert isinstance(missing, MissingName)
        try:
            missing(3)
            raise SystemExit("a missing name was usable")
        except MissingPublicName as e:
            assert isinstance(e, AttributeError) and "keras.layers.NoSuchLayerInTorchkeras" in str(e)
        class Sub(missing):  # subclassing at import time works; instantiating fails
            pass
        try:
            Sub()
            raise SystemExit("a subclass of a missing name was usable")
        except MissingPublicName:
            pass
        import sys
        assert not any(m == "tensorflow" or m.startswith("tensorflow.") for m in sys.modules)
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=runner.suite_env(root), timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stdout + proc.stderr
