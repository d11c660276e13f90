"""EinsumDense: Keras's weight shapes, numpy-einsum outputs and gradients, errors, config."""

import numpy as np
import pytest
import torch

import torchkeras as keras

# (equation, output_shape, bias_axes, input shape, kernel shape, bias shape, output shape): the shapes
# are the ones Keras's own einsum_dense_test lists for these equations.
SHAPES = [
    ("ab,bc->ac", 64, "c", (2, 32), (32, 64), (64,), (2, 64)),
    ("abc,cd->abd", (None, 64), "d", (2, 1, 32), (32, 64), (64,), (2, 1, 64)),
    ("abc,cde->abde", (None, 3, 4), "de", (2, 1, 2), (2, 3, 4), (3, 4), (2, 1, 3, 4)),
    ("abc,cde->abde", (None, 3, 4), "d", (2, 1, 2), (2, 3, 4), (3, 1), (2, 1, 3, 4)),
    ("ab,bcd->acd", (8, 32), None, (2, 3), (3, 8, 32), None, (2, 8, 32)),
    ("...bc,bc->...b", (32,), None, (2, 32, 64), (32, 64), None, (2, 32)),
    ("...b,bc->...c", (64,), None, (2, 3, 32), (32, 64), None, (2, 3, 64)),
    ("...c,cde->...de", (3, 4), "d", (2, 1, 2), (2, 3, 4), (3, 1), (2, 1, 3, 4)),
    ("bc...,cd->bd...", (4,), None, (2, 1, 2, 3), (1, 4), None, (2, 4, 2, 3)),
    ("bc...,cde->bde...", (3, 4), "d", (2, 1, 2), (1, 3, 4), (3, 1, 1), (2, 3, 4, 2)),
    ("bc...,cde->bde...", (3, 4), "de", (2, 1, 2), (1, 3, 4), (3, 4, 1), (2, 3, 4, 2)),
    ("abc,bc->ab", (5,), "b", (2, 5, 4), (5, 4), (5,), (2, 5)),
    ("abc,dc->abd", (None, 3), "d", (2, 4, 5), (3, 5), (3,), (2, 4, 3)),
]


@pytest.mark.parametrize("equation,out_shape,bias_axes,in_shape,k_shape,b_shape,o_shape", SHAPES)
def test_shapes_and_values_match_numpy_einsum(equation, out_shape, bias_axes, in_shape, k_shape, b_shape, o_shape):
    layer = keras.layers.EinsumDense(equation, output_shape=out_shape, bias_axes=bias_axes,
                                     bias_initializer="random_normal")
    x = np.random.default_rng(0).standard_normal(in_shape).astype("float32")
    out = layer(x).detach().numpy()
    assert tuple(layer.kernel.shape) == k_shape
    assert (layer.bias is None) == (b_shape is None)
    weights = layer.get_weights()
    expected = np.einsum(equation, x, weights[0])
    if b_shape is not None:
        assert tuple(layer.bias.shape) == b_shape
        expected = expected + weights[1]
    assert out.shape == o_shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    # Keras's rule: axes given as None in `output_shape` stay None in the computed shape.
    given = [out_shape] if isinstance(out_shape, int) else list(out_shape)
    expected_shape = list(o_shape)
    for i, d in enumerate(given):
        if d is None:
            expected_shape[1 + i] = None
    assert layer.compute_output_shape((None,) + in_shape[1:]) == (None,) + tuple(expected_shape[1:])


def test_gradients_match_numpy():
    layer = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de")
    x = torch.randn(2, 4, 5, requires_grad=True)
    w = torch.randn(2, 4, 2, 3)
    (layer(x) * w).sum().backward()
    kernel = layer.get_weights()[0]
    # d/dx sum(w * einsum(x, K)) = einsum(w, K) over the output axes; d/dK = einsum(x, w); d/db = sum(w).
    np.testing.assert_allclose(x.grad.numpy(), np.einsum("abde,cde->abc", w.numpy(), kernel), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.kernel.grad.numpy(), np.einsum("abc,abde->cde", x.detach().numpy(), w.numpy()),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.bias.grad.numpy(), w.numpy().sum((0, 1)), rtol=1e-5, atol=1e-5)


def test_activation_and_int_inputs():
    layer = keras.layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c", activation="relu")
    x = np.array([[1, -2], [3, 4]], dtype="int64")
    out = layer(x).detach().numpy()
    k, b = layer.get_weights()
    np.testing.assert_allclose(out, np.maximum(x.astype("float32") @ k + b, 0.0), rtol=1e-6)
    assert out.dtype == np.float32


def test_glorot_fans_use_the_true_input_and_output_axes():
    # Keras gives the initializer the kernel's input/output axes: for (c, d, e) = (64, 8, 32) the
    # glorot limit is sqrt(6 / (64 + 8*32)), not the conv-style receptive-field fans.
    layer = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 8, 32))
    layer.build((None, 3, 64))
    limit = np.sqrt(6.0 / (64 + 8 * 32))
    k = layer.get_weights()[0]
    assert np.abs(k).max() <= limit
    assert np.abs(k).max() > 0.9 * limit


def test_functional_model_and_config_round_trip():
    inp = keras.Input((3, 8))
    layer = keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d", name="proj")
    out = layer(inp)
    assert tuple(out.shape) == (None, None, 4)  # Keras: a None in output_shape stays None
    cfg = layer.get_config()
    assert cfg["output_shape"] == (None, 4) and cfg["equation"] == "abc,cd->abd" and cfg["bias_axes"] == "d"
    clone = keras.layers.EinsumDense.from_config(cfg)
    clone.build((None, 3, 8))
    clone.set_weights(layer.get_weights())
    x = torch.randn(2, 3, 8)
    torch.testing.assert_close(clone(x), layer(x))


def test_compute_output_shape_before_build():
    layer = keras.layers.EinsumDense("ab,bc->ac", output_shape=(7,))
    assert layer.compute_output_shape((None, 5)) == (None, 7)
    assert not layer.built


@pytest.mark.parametrize("kwargs,shape,match", [
    (dict(equation="ab->b", output_shape=3), (2, 3), "Invalid einsum equation 'ab->b'"),
    (dict(equation="ab,bc->ac", output_shape=3, bias_axes="x"), (2, 3), "Bias dimension 'x'"),
    (dict(equation="abc,cd->abd", output_shape=(7, 4)), (2, 3, 5), "do not match at shared dimension 'b'"),
    (dict(equation="ab,bc->ad", output_shape=3), (2, 3), "Dimension 'd' was specified in the output"),
    (dict(equation="ab,bxc->ac", output_shape=3), (2, 3), "Weight dimension 'x' did not have a match"),
])
def test_bad_equations_raise_keras_errors(kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        keras.layers.EinsumDense(**kwargs).build(shape)


def test_bad_arguments():
    with pytest.raises(TypeError, match="equation"):
        keras.layers.EinsumDense(3, output_shape=3)
    with pytest.raises(ValueError, match="output_shape"):
        keras.layers.EinsumDense("ab,bc->ac", output_shape=3.5)
    layer = keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 4))
    layer.build((None, 3, 8))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layer(torch.randn(2, 8))


def test_constraints_and_regularizers_are_attached():
    layer = keras.layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c", kernel_constraint="non_neg",
                                     bias_regularizer="l2")
    layer.build((None, 4))
    assert isinstance(layer.kernel.constraint, keras.constraints.NonNeg)
    assert len(layer.losses) == 1
