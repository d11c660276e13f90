"""Our port of Keras's `testing.TestCase`, pointed at torchkeras.

Keras's unit tests subclass it (through the shim, `keras.src.testing.TestCase` is this class) and
call its assertions and `run_layer_test`. Behaviour follows Keras 3.15.1's helper on the torch
backend; the code is ours.
"""

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from absl.testing import parameterized

from conformance.keras_suite.testing import _tk
from conformance.keras_suite.testing.layer_checks import run_layer_test


class TestCase(parameterized.TestCase):
    maxDiff = None

    def setUp(self):
        # Auto-numbered names and other global state must not leak from one test into the next.
        _tk.clear_session()

    def get_temp_dir(self):
        path = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def convert_to_numpy(self, x):
        return _tk.to_numpy(x)

    def assertAllClose(self, actual, desired, atol=1e-6, rtol=1e-6, tpu_atol=None, tpu_rtol=None, msg=None):
        np.testing.assert_allclose(self.convert_to_numpy(actual), self.convert_to_numpy(desired),
                                   atol=atol, rtol=rtol, err_msg=msg or "")

    def assertNotAllClose(self, x1, x2, atol=1e-6, rtol=1e-6, msg=None):
        try:
            self.assertAllClose(x1, x2, atol=atol, rtol=rtol)
        except AssertionError:
            return
        raise AssertionError(f"The values are close everywhere.\n{msg or ''}\nValues: {x1}")

    def assertAlmostEqual(self, actual, desired, decimal=3, tpu_decimal=None, msg=None):
        np.testing.assert_almost_equal(self.convert_to_numpy(actual), self.convert_to_numpy(desired),
                                       decimal=decimal, err_msg=msg or "")

    def assertAllEqual(self, actual, desired, msg=None):
        np.testing.assert_array_equal(self.convert_to_numpy(actual), self.convert_to_numpy(desired),
                                      err_msg=msg or "")

    def assertLen(self, iterable, expected_len, msg=None):
        self.assertEqual(len(iterable), expected_len, msg=msg)

    def assertSparse(self, x, sparse=True):
        if isinstance(x, _tk.KerasTensor):
            self.assertEqual(getattr(x, "sparse", False), sparse)
        else:
            self.assertFalse(sparse, "The torch backend has no sparse tensors")

    def assertRagged(self, x, ragged=True):
        if isinstance(x, _tk.KerasTensor):
            self.assertEqual(getattr(x, "ragged", False), ragged)
        else:
            self.assertFalse(ragged, "The torch backend has no ragged tensors")

    def assertDType(self, x, dtype, msg=None):
        got = _tk.standardize_dtype(x.dtype if hasattr(x, "dtype") else type(x))
        want = _tk.standardize_dtype(dtype)
        self.assertEqual(got, want, msg=msg or f"Unexpected dtype. Received: x.dtype={got} and dtype={dtype}")

    def assertFileExists(self, path):
        if not Path(path).is_file():
            raise AssertionError(f"File {path} does not exist")

    def run_class_serialization_test(self, instance, custom_objects=None):
        """get_config/from_config and serialize/deserialize must both round-trip the config."""
        config_json = tuple_json(instance.get_config())
        ref_dir = set(dir(instance)) - {"__annotations__"}
        with _tk.custom_object_scope(custom_objects):
            revived = type(instance).from_config(instance.get_config())
        self.assertEqual(config_json, tuple_json(revived.get_config()))
        self.assertEqual(ref_dir, set(dir(revived)) - {"__annotations__"})

        serialized = untuple_json(tuple_json(_tk.serialize(instance)))
        with _tk.custom_object_scope(custom_objects):
            revived = _tk.deserialize(serialized)
        self.assertEqual(config_json, tuple_json(revived.get_config()))
        self.assertEqual(ref_dir, set(dir(revived)) - {"__annotations__"})
        return revived

    run_layer_test = run_layer_test


def tuple_json(value):
    """JSON that keeps tuples apart from lists, so a config that turns a tuple into a list differs.
    As in Keras, only the outer tuple is marked: its elements are written as they are."""
    def mark(obj):
        if isinstance(obj, tuple):
            return {"__class__": "tuple", "__value__": list(obj)}
        if isinstance(obj, list):
            return [mark(e) for e in obj]
        if isinstance(obj, dict):
            return {k: mark(v) for k, v in obj.items()}
        return obj
    return json.dumps(mark(value), sort_keys=True, indent=4)


def untuple_json(text):
    def unmark(obj):
        if "__class__" in obj and "__value__" in obj:
            return tuple(obj["__value__"])
        return obj
    return json.loads(text, object_hook=unmark)


def uses_gpu():
    return _tk.cuda_available()


def uses_tpu():
    return False


def jax_uses_gpu():
    return False


def jax_uses_tpu():
    return False


def tensorflow_uses_gpu():
    return False


def tensorflow_uses_tpu():
    return False


def torch_uses_gpu():
    return _tk.backend_name() == "torch" and uses_gpu()
