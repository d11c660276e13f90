"""Symbolic shape inference of keras.ops on KerasTensors with unknown (None) dims, against Keras's
compute_output_spec rules, and the eager fixes that came with it (checked against numpy)."""

import numpy as np
import pytest

from torchkeras import ops
from torchkeras.keras_tensor import KerasTensor as K


def test_unknown_dim_meets_known_dim_as_that_dim():
    assert ops.add(K((None, 3)), K((2, None))).shape == (2, 3)
    assert ops.matmul(K((None, 3, 4)), K((3, None, 4, 5))).shape == (3, None, 3, 5)


def test_dims_derived_from_unknown_dims_are_unknown():
    assert ops.concatenate([K((None, 3)), K((2, 3))]).shape == (None, 3)
    assert ops.append(K((None, 3)), K((2, None))).shape == (None,)
    assert ops.diag(K((None, 3))).shape == (None,)
    assert ops.get_item(K((None, 5, 16)), np.s_[:5, 3:, 3:12:2]).shape == (None, 2, 5)


def test_incompatible_shapes_raise_value_error():
    with pytest.raises(ValueError):
        ops.add(K((2, 3)), K((2, 3, 4)))
    with pytest.raises(ValueError, match="axis 10 is out of bounds"):
        ops.diff(K((3, 4)), axis=10)
    with pytest.raises(ValueError):  # None is not 1 for Keras
        ops.squeeze(K((None, 1)), axis=0)


def test_keras_specs_of_value_dependent_ops():
    assert ops.einsum("ijk,jkl->li", K((None, 3, 4)), K((None, 4, 5))).shape == (5, None)
    assert ops.einsum("ii", K((2, 3))).shape == ()
    assert ops.reshape(K((None, 3)), (3, -1)).shape == (3, None)
    assert [t.shape for t in ops.split(K((None, 3, 3)), [1, 3], axis=1)] == [(None, 1, 3), (None, 2, 3),
                                                                             (None, 0, 3)]
    assert ops.nonzero(K((None, 3)))[0].shape == (None,)
    assert ops.searchsorted(K((None,)), K((2, 3))).dtype == "int64"
    assert ops.slice(K((None, 3)), (1, 1), (-1, -1)).shape == (None, 2)
    assert ops.segment_sum(K((10, 4)), K((10,), "int32")).shape == (None, 4)
    assert ops.linspace(K((None, 3)), 2, 10, axis=1).shape == (None, 10, 3)


def test_linspace_on_arrays_and_retstep_match_numpy():
    start, stop = np.array([0.0, 1.0]), np.array([10.0, 20.0])
    np.testing.assert_allclose(ops.linspace(start, stop, 5, axis=1).numpy(), np.linspace(start, stop, 5, axis=1))
    out, step = ops.linspace(0, 10, 4, endpoint=False, retstep=True)
    ref, ref_step = np.linspace(0, 10, 4, endpoint=False, retstep=True)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)
    assert float(step) == ref_step
    np.testing.assert_allclose(ops.logspace(start, stop / 10, 3, axis=-1).numpy(),
                               np.logspace(start, stop / 10, 3, axis=-1), rtol=1e-6)
    np.testing.assert_allclose(ops.geomspace(np.array([1.0, 2.0]), np.array([3.0, 4.0]), 3, axis=1).numpy(),
                               np.geomspace([1.0, 2.0], [3.0, 4.0], 3, axis=1), rtol=1e-6)


def test_pad_width_forms_and_errors_match_numpy():
    x = np.arange(6.0).reshape(2, 3)
    for width in (1, (1, 2), ((1, 2),), ((1, 0), (2, 1))):
        np.testing.assert_array_equal(ops.pad(x, width).numpy(), np.pad(x, width))
    np.testing.assert_array_equal(ops.pad(x, 1, mode="circular").numpy(), np.pad(x, 1, mode="wrap"))
    with pytest.raises(ValueError, match="can only be provided when `mode == 'constant'`"):
        ops.pad(x, 1, mode="reflect", constant_values=1)
    with pytest.raises(ValueError, match="same length as `x.shape`"):
        ops.pad(x, ((1, 2), (3, 4), (5, 6)))


def test_eager_fixes_match_numpy():
    x = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(ops.roll(x, 1, axis=[0, 1]).numpy(), np.roll(x, 1, axis=[0, 1]))
    assert tuple(ops.expand_dims(x, (-1, 1)).shape) == np.expand_dims(x, (-1, 1)).shape
    np.testing.assert_array_equal(ops.amax(x, axis=()).numpy(), np.amax(x, axis=()))
    np.testing.assert_array_equal(ops.sort(x[:, ::-1], axis=None).numpy(), np.sort(x[:, ::-1], axis=None))
    np.testing.assert_array_equal(ops.full_like(x, np.ones((1, 3))).numpy(), np.full_like(x, np.ones((1, 3))))
    np.testing.assert_array_equal(ops.outer(x, 2).numpy(), np.outer(x, 2))
    np.testing.assert_array_equal(ops.slice(x, (1, 1), (-1, -1)).numpy(), x[1:, 1:])
    assert ops.subtract(np.array([True, False]), 1).dtype == ops.convert_to_tensor(1).dtype
    assert str(ops.einsum("ij,jk->ik", np.ones((2, 3), "int8"), np.ones((3, 2), "int8")).dtype) == "torch.int32"
