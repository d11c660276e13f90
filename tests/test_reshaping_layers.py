"""Flatten, Reshape, Permute, RepeatVector against numpy references and Keras 3.15's rules."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers as L

rng = np.random.default_rng(0)


def rand(*shape):
    return rng.standard_normal(shape).astype("float32")


def run(layer, x):
    return layer(torch.as_tensor(x)).detach().numpy()


def test_flatten_channels_last_keeps_order():
    x = rand(2, 3, 4, 5)
    np.testing.assert_array_equal(run(L.Flatten(), x), x.reshape(2, -1))
    assert L.Flatten().compute_output_shape((None, 3, 4, 5)) == (None, 60)
    assert L.Flatten().compute_output_shape((None, None, 4)) == (None, None)


def test_flatten_channels_first_moves_channels_last_first():
    x = rand(2, 3, 4, 5)  # (batch, C, H, W)
    np.testing.assert_array_equal(run(L.Flatten("channels_first"), x), x.transpose(0, 2, 3, 1).reshape(2, -1))


def test_flatten_rank1_and_global_data_format():
    np.testing.assert_array_equal(run(L.Flatten(), rand(4)).shape, (4, 1))
    assert L.Flatten().compute_output_shape((None,)) == (None, 1)
    old = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    try:
        assert L.Flatten().data_format == "channels_first"
    finally:
        keras.config.set_image_data_format(old)
    with pytest.raises(ValueError, match="data_format"):
        L.Flatten("nchw")


def test_flatten_keeps_dtype_symbolically():
    assert L.Flatten()(keras.Input((3, 2), dtype="int32")).dtype == "int32"


@pytest.mark.parametrize("target,expected", [((6, 2), (6, 2)), ((-1,), (12,)), ((2, -1, 3), (2, 2, 3)),
                                             ((4, 3, 1), (4, 3, 1))])
def test_reshape(target, expected):
    x = rand(5, 3, 4)
    out = run(L.Reshape(target), x)
    np.testing.assert_array_equal(out, x.reshape((5,) + expected))
    assert L.Reshape(target).compute_output_shape((None, 3, 4)) == (None,) + expected


def test_reshape_errors_and_unknown_dims():
    with pytest.raises(ValueError, match="total size of the new array must be unchanged"):
        L.Reshape((4, 4))(torch.zeros(2, 3, 5))
    with pytest.raises(ValueError, match="total size"):
        L.Reshape((4, -1))(torch.zeros(2, 3, 5))
    with pytest.raises(ValueError, match="at most one unknown"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match="non-negative"):
        L.Reshape((-2, 3))
    assert L.Reshape((-1, 2)).compute_output_shape((None, None, 4)) == (None, None, 2)
    assert L.Reshape((-1, 2))(keras.Input((None, 4))).shape == (None, None, 2)
    np.testing.assert_array_equal(run(L.Reshape((-1, 2)), np.zeros((2, 3, 4), "float32")).shape, (2, 6, 2))
    assert L.Reshape([2, 3]).get_config()["target_shape"] == (2, 3)


def test_permute():
    x = rand(2, 3, 4, 5)
    np.testing.assert_array_equal(run(L.Permute((3, 1, 2)), x), x.transpose(0, 3, 1, 2))
    assert L.Permute((3, 1, 2)).compute_output_shape((None, 3, 4, 5)) == (None, 5, 3, 4)
    with pytest.raises(ValueError, match="consecutive"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match="ndim=3"):
        L.Permute((2, 1))(torch.zeros(2, 3, 4, 5))


def test_repeat_vector():
    x = rand(3, 4)
    out = run(L.RepeatVector(5), x)
    np.testing.assert_array_equal(out, np.repeat(x[:, None, :], 5, axis=1))
    assert L.RepeatVector(5).compute_output_shape((None, 4)) == (None, 5, 4)
    with pytest.raises(TypeError):
        L.RepeatVector(2.0)
    with pytest.raises(ValueError, match="positive"):
        L.RepeatVector(0)
    with pytest.raises(ValueError, match="ndim=2"):
        L.RepeatVector(2)(torch.zeros(2, 3, 4))


@pytest.mark.parametrize("layer,keys", [
    (L.Flatten(), {"data_format"}), (L.Reshape((2, 3)), {"target_shape"}), (L.Permute((2, 1)), {"dims"}),
    (L.RepeatVector(3), {"n"})])
def test_config_keys_and_round_trip(layer, keys):
    cfg = layer.get_config()
    assert set(cfg) == {"name", "trainable", "dtype"} | keys
    clone = type(layer).from_config(cfg)
    assert clone.get_config() == cfg
