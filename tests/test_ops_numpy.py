"""keras.ops.numpy names against numpy itself (values) and Keras's promotion lattice (dtypes)."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import ops
from torchkeras.ops._dtypes import result_type

R = np.random.default_rng(1)
X = R.normal(size=(3, 4)).astype("float32")
Y = R.normal(size=(3, 4)).astype("float32")
P = R.uniform(0.1, 2, size=(3, 4)).astype("float32")
IX = R.integers(-5, 6, size=(3, 4)).astype("int32")
IY = R.integers(1, 6, size=(3, 4)).astype("int32")


def close(ours, ref, atol=1e-5):
    ours = [o for o in ours] if isinstance(ours, (list, tuple)) else [ours]
    ref = [r for r in ref] if isinstance(ref, (list, tuple)) else [ref]
    assert len(ours) == len(ref)
    for o, r in zip(ours, ref):
        np.testing.assert_allclose(ops.convert_to_numpy(o).astype("float64"), np.asarray(r, dtype="float64"),
                                   rtol=1e-5, atol=atol, equal_nan=True)


UNARY = ["arccos", "arcsin", "arctan", "arctanh", "arcsinh", "cosh", "sinh", "exp2", "fabs", "deg2rad", "rad2deg",
         "cbrt", "sinc", "trunc", "signbit", "isneginf", "isposinf", "fliplr", "flipud", "ravel", "real", "imag",
         "conj", "angle", "i0", "copy", "nan_to_num"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_numpy(name):
    x = np.clip(X, -0.9, 0.9)
    close(getattr(ops, name)(x), getattr(np, name)(x))


BINARY = ["arctan2", "hypot", "logaddexp", "logaddexp2", "fmax", "fmin", "fmod", "heaviside", "nextafter",
          "kron", "inner", "isclose", "append"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_numpy(name):
    close(getattr(ops, name)(X, Y), getattr(np, name)(X, Y))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm", "left_shift",
                                  "right_shift"])
def test_integer_binary_matches_numpy(name):
    b = IY if "shift" not in name else np.full_like(IX, 2)
    close(getattr(ops, name)(IX, b), getattr(np, name)(IX, b))


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd", "nanprod",
                                  "nanmedian", "median", "ptp", "nanargmax", "nanargmin"])
def test_nan_reductions_match_numpy(name):
    x = X.copy()
    x[0, 1] = x[2, 3] = np.nan
    arr = x if name.startswith("nan") else X
    close(getattr(ops, name)(arr, axis=1), getattr(np, name)(arr, axis=1))


def test_quantiles_and_statistics():
    x = R.normal(size=(4, 5, 6)).astype("float32")
    for method in ("linear", "lower", "higher", "midpoint", "nearest"):
        close(ops.quantile(x, [0.1, 0.8], axis=(0, 2), method=method), np.quantile(x, [0.1, 0.8], axis=(0, 2),
                                                                                      method=method))
    close(ops.percentile(x, 30.0, axis=1, keepdims=True), np.percentile(x, 30.0, axis=1, keepdims=True))
    close(ops.average(X, axis=1, weights=P[0]), np.average(X, axis=1, weights=P[0]))
    close(ops.corrcoef(X), np.corrcoef(X))
    close(ops.trapezoid(X, dx=0.5), np.trapezoid(X, dx=0.5))


def test_shape_and_stacking_ops():
    close(ops.hstack([X, Y]), np.hstack([X, Y]))
    close(ops.dstack([X, Y]), np.dstack([X, Y]))
    close(ops.array_split(np.arange(7.0), 3), np.array_split(np.arange(7.0), 3))
    close(ops.rot90(X, k=3), np.rot90(X, k=3))
    close(ops.roll(X, 5), np.roll(X, 5))
    close(ops.diagonal(X, 1), np.diagonal(X, 1))
    close(ops.trace(X, offset=-1), np.trace(X, offset=-1))
    close(ops.diff(X, n=2, axis=0), np.diff(X, n=2, axis=0))
    close(ops.tri(3, 5, 1), np.tri(3, 5, 1))
    close(ops.vander(np.arange(1.0, 4.0), 4), np.vander(np.arange(1.0, 4.0), 4))
    close(ops.unravel_index(np.array([3, 7, 11]), (3, 4)), np.unravel_index([3, 7, 11], (3, 4)))
    close(ops.select([X > 0.5, X < -0.5], [X, Y], 7.0), np.select([X > 0.5, X < -0.5], [X, Y], 7.0))
    close(ops.meshgrid(np.arange(3.0), np.arange(2.0)), np.meshgrid(np.arange(3.0), np.arange(2.0)))
    assert int(ops.size(X)) == 12 and ops.get_item(X, 1).shape == (4,)


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("n,m", [(6, 3), (3, 5), (5, 2), (2, 5), (4, 4)])
def test_correlate_matches_numpy(mode, n, m):
    a, v = R.normal(size=n).astype("float32"), R.normal(size=m).astype("float32")
    close(ops.correlate(a, v, mode=mode), np.correlate(a, v, mode))


def test_searching_counting():
    seq = np.sort(R.normal(size=8)).astype("float32")
    close(ops.searchsorted(seq, X, side="right"), np.searchsorted(seq, X, side="right"))
    close(ops.digitize(X, seq), np.digitize(X, seq))
    close(ops.isin(IX, [1, 2, 3]), np.isin(IX, [1, 2, 3]))
    close(ops.bincount(np.array([0, 2, 2, 5]), minlength=7), np.bincount([0, 2, 2, 5], minlength=7))
    counts, edges = ops.histogram(X.reshape(-1), bins=4)
    ref_counts, ref_edges = np.histogram(X.reshape(-1), bins=4)
    close(counts, ref_counts)
    close(edges, ref_edges)
    values, index, inverse, count = ops.unique(IX, return_index=True, return_inverse=True, return_counts=True)
    ref = np.unique(IX, return_index=True, return_inverse=True, return_counts=True)
    close([values, index, inverse.reshape(-1), count], [ref[0], ref[1], ref[2].reshape(-1), ref[3]])
    part = ops.convert_to_numpy(ops.argpartition(X, 2, axis=1))
    picked = np.take_along_axis(X, part, 1)
    assert (picked[:, :2].max(1) <= picked[:, 2]).all() and (picked[:, 3:].min(1) >= picked[:, 2]).all()


def test_ranges_and_windows():
    close(ops.logspace(0.0, 2.0, 5, base=2.0), np.logspace(0.0, 2.0, 5, base=2.0))
    close(ops.geomspace(1.0, 1000.0, 4, endpoint=False), np.geomspace(1.0, 1000.0, 4, endpoint=False))
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        close(getattr(ops, name)(7), getattr(np, name)(7), atol=1e-6)
    close(ops.kaiser(8, 4.0), np.kaiser(8, 4.0))


def test_promotion_follows_the_keras_lattice():
    # Expected values from the JAX-style lattice Keras documents (weak Python scalars, uint+int -> wider int).
    assert result_type("uint8", "int8") == "int16"
    assert result_type("int32", "float16") == "float16"
    assert result_type("int8", float) == "float32"
    assert result_type("bfloat16", "float16") == "float32"
    assert result_type("float16", float) == "float16"
    assert result_type("bool", int) == "int32"
    assert result_type("uint32", "int32") == "int64"
    assert ops.add(np.ones(2, "uint8"), np.ones(2, "int8")).dtype == torch.int16
    assert ops.arctan2(np.ones(2, "int32"), np.ones(2, "int32")).dtype == torch.float32
    assert ops.sum(np.ones(3, "int8")).dtype == torch.int32 and ops.sum(np.ones(3, bool)).dtype == torch.int32
    assert ops.cumsum(np.ones(3, "int8")).dtype == torch.int8 and ops.full((2,), 3).dtype == torch.float32


def test_every_keras_numpy_name_is_present():
    # keras.ops.numpy has 220 public functions in Keras 3.15.1; each is the same object as in keras.ops.
    assert len(ops.numpy.__all__) == 220
    for name in ops.numpy.__all__:
        assert getattr(ops.numpy, name) is getattr(ops, name), name


def test_symbolic_inputs_record_nodes():
    x = keras.Input((4, 6))
    outs = [ops.cbrt(x), ops.nanmean(x, axis=1), ops.quantile(x, 0.5, axis=-1), ops.rot90(x, axes=(1, 2)),
            ops.tensordot(x, np.ones((6, 2), "float32"), axes=1), ops.hstack([x, x]), ops.logaddexp(x, 1.0)]
    assert [o.shape for o in outs] == [(None, 4, 6), (None, 6), (None, 4), (None, 6, 4), (None, 4, 2),
                                       (None, 8, 6), (None, 4, 6)]
    model = keras.Model(x, outs[4])
    data = R.normal(size=(2, 4, 6)).astype("float32")
    close(model(data), np.tensordot(data, np.ones((6, 2)), axes=1))
