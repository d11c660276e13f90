"""keras.ops against real Keras 3.15 (TensorFlow backend): every case in ops_cases.CASES runs the op
in both libraries on the same inputs and compares values (float32 rounding: atol 1e-5, rtol 1e-5
unless a case says otherwise) and result dtypes (int32 and int64 count as one: TF's index dtype).

Imports torch first, then keras."""

# torch must be imported before tensorflow: keep this order
import torch  # noqa: I001
import os
import sys

import numpy as np
import pytest
import keras

import torchkeras.ops as tko
import torchkeras.random  # noqa: F401

sys.path.insert(0, os.path.dirname(__file__))
from ops_cases import CASES  # noqa: E402

ATOL, RTOL = 1e-5, 1e-5


def _resolve(module, name):
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def _np(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        return (x.float() if x.dtype == torch.bfloat16 else x).numpy()
    return np.asarray(keras.ops.convert_to_numpy(x)) if hasattr(x, "dtype") and not isinstance(x, np.ndarray) \
        else np.asarray(x)


def _dtype(x):
    if isinstance(x, torch.Tensor):
        return str(x.dtype).replace("torch.", "")
    if hasattr(x, "dtype"):
        return keras.backend.standardize_dtype(x.dtype)
    return None


_SAME = {"int64": "int32", "uint64": "uint32"}


def compare(ours, ref, opts):
    ours_l, ref_l = _leaves(ours), _leaves(ref)
    assert len(ours_l) == len(ref_l), f"{len(ours_l)} outputs, keras gives {len(ref_l)}"
    for o, r in zip(ours_l, ref_l):
        if opts.get("dtype", True) and _dtype(r) is not None and isinstance(o, torch.Tensor):
            assert _SAME.get(_dtype(o), _dtype(o)) == _SAME.get(_dtype(r), _dtype(r)), \
                f"dtype {_dtype(o)}, keras gives {_dtype(r)}"
        a, b = _np(o), _np(r)
        if opts.get("abs"):
            a, b = np.abs(a), np.abs(b)
        if opts.get("sort"):
            a, b = np.sort_complex(a.reshape(-1)), np.sort_complex(b.reshape(-1))
        assert a.shape == b.shape, f"shape {a.shape}, keras gives {b.shape}"
        if a.dtype == bool or b.dtype == bool:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a.astype("float64"), b.astype("float64"), equal_nan=True,
                                       atol=opts.get("atol", ATOL), rtol=opts.get("rtol", RTOL))


def run_case(name, args, kwargs, opts):
    ref_fn = opts.get("keras_fn") or _resolve(keras.ops if "." not in name or not name.startswith("random")
                                              else keras, opts.get("keras_name", name))
    ours_fn = _resolve(tko, opts.get("ours_name", name))
    ref_args = args
    if opts.get("tensor"):
        ref_args = [keras.ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    if opts.get("raises"):
        with pytest.raises(opts["raises"]):
            ref_fn(*ref_args, **kwargs)
        with pytest.raises(opts["raises"]):
            ours_fn(*args, **kwargs)
        return
    ref = ref_fn(*ref_args, **kwargs)
    ours = ours_fn(*args, **kwargs)
    compare(ours, ref, opts)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_op_matches_keras(case):
    name, args, kwargs, opts = case
    run_case(name, args, kwargs, opts)


def test_every_public_op_has_a_case():
    names = {c[0].split(".")[-1] for c in CASES}
    public = {n for mod in (keras.ops, keras.ops.numpy, keras.ops.nn, keras.ops.linalg, keras.ops.image)
              for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))}
    untested = sorted(public - names - UNCOMPARED)
    assert not untested, f"ops without a conformance case: {untested}"


# Ops whose output Keras does not pin down numerically (random, uninitialised, control flow taking
# Python callables, or tested with callables in tests/test_ops_*.py instead).
UNCOMPARED = {"empty", "empty_like", "argpartition", "unique", "cond", "switch", "scan", "associative_scan",
              "fori_loop", "while_loop", "map", "vectorized_map", "vectorize", "custom_gradient", "jvp",
              "is_tensor", "dtype", "convert_to_tensor", "image", "linalg", "nn", "numpy", "elastic_transform"}
