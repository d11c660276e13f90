"""Core layers (Activation, Dropout family, Embedding, Lambda, Masking, Identity) and the activation
layers, against numpy references and Keras 3.15's documented behaviour."""

import math

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers as L

rng = np.random.default_rng(0)


def rand(*shape):
    return rng.standard_normal(shape).astype("float32")


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ------------------------------------------------------------------ Activation
def test_activation_layer_matches_numpy_and_keeps_logits():
    x = rand(3, 4)
    out = L.Activation("softmax")(torch.as_tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), np_softmax(x), rtol=1e-6, atol=1e-7)
    assert torch.equal(out._keras_logits, torch.as_tensor(x))
    np.testing.assert_allclose(L.Activation("relu")(torch.as_tensor(x)).detach().numpy(), np.maximum(x, 0))
    assert L.Activation("tanh").get_config()["activation"] == "tanh"
    assert L.Activation("relu").compute_output_shape((None, 3, 4)) == (None, 3, 4)


# ------------------------------------------------------------------ Dropout family
@pytest.mark.parametrize("rate", [-0.1, 1.5, "a"])
def test_dropout_rejects_bad_rate(rate):
    with pytest.raises(ValueError, match="rate"):
        L.Dropout(rate)


def test_dropout_is_identity_unless_training_and_accepts_rate_one():
    x = torch.as_tensor(rand(8, 16))
    assert torch.equal(L.Dropout(0.5)(x), x)
    assert torch.equal(L.Dropout(1.0)(x, training=True), torch.zeros_like(x))


def test_dropout_training_scales_kept_units():
    torch.manual_seed(0)
    x = torch.ones(200, 50)
    y = L.Dropout(0.4)(x, training=True).detach().numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.6, rtol=1e-6)
    assert abs(kept.mean() - 0.6) < 0.02


def test_dropout_noise_shape_shares_the_mask_and_seed_is_reproducible():
    x = torch.ones(64, 10, 3)
    layer = L.Dropout(0.5, noise_shape=(None, 1, 3), seed=7)
    y = layer(x, training=True).detach().numpy()
    assert (y == y[:, :1, :]).all()  # same mask along axis 1
    y2 = L.Dropout(0.5, noise_shape=(None, 1, 3), seed=7)(x, training=True).detach().numpy()
    np.testing.assert_array_equal(y, y2)
    with pytest.raises(ValueError, match="noise_shape"):
        L.Dropout(0.5, noise_shape=(None, 0))


@pytest.mark.parametrize("cls,shape,fmt,chan_axes", [
    (L.SpatialDropout1D, (16, 7, 5), None, (0, 2)),
    (L.SpatialDropout2D, (16, 4, 4, 5), None, (0, 3)),
    (L.SpatialDropout2D, (16, 5, 4, 4), "channels_first", (0, 1)),
    (L.SpatialDropout3D, (8, 3, 3, 3, 5), None, (0, 4)),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, fmt, chan_axes):
    torch.manual_seed(1)
    layer = cls(0.5) if fmt is None else cls(0.5, data_format=fmt)
    y = layer(torch.ones(shape), training=True).detach().numpy()
    spatial = tuple(a for a in range(len(shape)) if a not in chan_axes)
    per_channel = y.max(axis=spatial)
    assert ((y == 0) | np.isclose(y, 2.0)).all()
    # every spatial position of a (sample, channel) pair shares one decision
    np.testing.assert_array_equal(y.min(axis=spatial), per_channel)
    assert torch.equal(layer(torch.ones(shape)), torch.ones(shape))


def test_spatial_dropout_rank_check_and_config():
    with pytest.raises(ValueError, match="ndim=4"):
        L.SpatialDropout2D(0.2)(torch.ones(2, 3, 4))
    cfg = L.SpatialDropout2D(0.2, name="sd").get_config()
    assert sorted(cfg) == ["data_format", "dtype", "name", "rate", "seed"]
    assert sorted(L.SpatialDropout1D(0.2).get_config()) == ["dtype", "name", "rate", "seed"]
    assert L.SpatialDropout2D.from_config(cfg).rate == 0.2


def test_gaussian_noise_and_dropout_statistics():
    torch.manual_seed(2)
    x = torch.ones(400, 250)
    n = L.GaussianNoise(0.5)(x, training=True) - 1
    assert abs(float(n.std()) - 0.5) < 0.01 and abs(float(n.mean())) < 0.01
    d = L.GaussianDropout(0.2)(x, training=True)
    assert abs(float(d.std()) - math.sqrt(0.2 / 0.8)) < 0.01 and abs(float(d.mean()) - 1) < 0.01
    assert torch.equal(L.GaussianNoise(0.5)(x), x)
    with pytest.raises(ValueError, match="stddev"):
        L.GaussianNoise(2.0)


def test_alpha_dropout_keeps_selu_statistics():
    torch.manual_seed(3)
    x = torch.randn(500, 400)
    y = L.AlphaDropout(0.2)(x, training=True)
    assert abs(float(y.mean())) < 0.02 and abs(float(y.std()) - 1) < 0.02
    # dropped units hold a*alpha' + b (the SELU saturation value after the affine correction)
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.2) * (1 + 0.2 * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * 0.2
    dropped = np.isclose(y.detach().numpy(), a * alpha_p + b, atol=1e-6)
    assert abs(dropped.mean() - 0.2) < 0.01


# ------------------------------------------------------------------ Embedding
def test_embedding_lookup_weights_and_float_ids():
    table = rand(10, 3)
    layer = L.Embedding(10, 3, weights=[table])
    ids = np.array([[1, 4, 9], [0, 0, 2]])
    np.testing.assert_array_equal(layer(torch.as_tensor(ids)).detach().numpy(), table[ids])
    np.testing.assert_array_equal(layer(torch.as_tensor(ids, dtype=torch.float32)).detach().numpy(), table[ids])
    assert layer.compute_output_shape((None, 3)) == (None, 3, 3)
    assert [w.name for w in layer.weights] == ["embeddings"]


def test_embedding_default_init_is_keras_uniform():
    w = L.Embedding(500, 40)
    w.build()
    v = w.get_weights()[0]
    assert v.shape == (500, 40) and v.min() >= -0.05 and v.max() <= 0.05 and v.std() > 0.025


def test_embedding_mask_zero_and_errors():
    layer = L.Embedding(5, 2, mask_zero=True)
    out = layer(torch.tensor([[3, 0, 1, 0]]))
    np.testing.assert_array_equal(out._keras_mask.detach().numpy(), [[True, False, True, False]])
    with pytest.raises(ValueError, match="input_dim=5"):
        layer(torch.tensor([[7]]))
    with pytest.raises(ValueError, match="input_dim"):
        L.Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        L.Embedding(3, 2.5)


def test_embedding_input_length_builds_sequential_before_data():
    model = keras.Sequential([L.Embedding(100, 8, input_length=6), L.Flatten(), L.Dense(3)])
    assert model.output_shape == (None, 3)
    assert model.layers[0].count_params() == 800 and model.layers[2].count_params() == 6 * 8 * 3 + 3
    assert model(np.zeros((2, 6), dtype="int64")).shape == (2, 3)


def test_embedding_config_keys_and_round_trip():
    layer = L.Embedding(7, 2, mask_zero=True, embeddings_regularizer="l2")
    cfg = layer.get_config()
    assert {"input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
            "embeddings_constraint", "mask_zero", "quantization_config"} <= set(cfg)
    clone = L.Embedding.from_config(cfg)
    assert clone.mask_zero and clone.input_dim == 7


# ------------------------------------------------------------------ Lambda / Masking / Identity
def test_lambda_runs_with_arguments_and_infers_shape():
    layer = L.Lambda(lambda x, k: x[:, :2] * k, arguments={"k": 3.0})
    x = rand(4, 5)
    np.testing.assert_allclose(layer(torch.as_tensor(x)).detach().numpy(), x[:, :2] * 3)
    assert layer.compute_output_shape((None, 5)) == (None, 2)
    assert layer(keras.Input((5,))).shape == (None, 2)
    assert L.Lambda(lambda x: x, output_shape=(7,)).compute_output_shape((None, 3)) == (None, 7)


def test_lambda_mask_and_training_arguments():
    seen = {}

    def fn(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x

    x = torch.ones(2, 3)
    x._keras_mask = torch.tensor([True, False])
    out = L.Lambda(fn, mask=lambda inputs, mask: mask)(x, training=True)
    assert seen["training"] is True and torch.equal(seen["mask"], x._keras_mask)
    assert torch.equal(out._keras_mask, x._keras_mask)


def named_double(x):
    return x * 2


def test_lambda_config_named_function_and_lambda_safety():
    cfg = L.Lambda(named_double).get_config()
    assert cfg["function"] == {"module": "builtins", "class_name": "function", "config": "named_double",
                               "registered_name": "function"}
    lam_cfg = L.Lambda(lambda x: x + 1, output_shape=lambda s: s).get_config()
    assert lam_cfg["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="safe_mode=False"):
        L.Lambda.from_config(lam_cfg)
    restored = L.Lambda.from_config(lam_cfg, safe_mode=False)
    np.testing.assert_allclose(restored(torch.zeros(1, 2)).detach().numpy(), [[1, 1]])


def test_masking_zeroes_masked_steps_and_emits_mask():
    x = rand(2, 4, 3)
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    x[1, 0, 0] = 0.0  # one zero feature only: still a valid step
    out = L.Masking()(torch.as_tensor(x))
    ref_mask = np.any(x != 0, axis=-1)
    np.testing.assert_array_equal(out._keras_mask.detach().numpy(), ref_mask)
    np.testing.assert_array_equal(out.detach().numpy(), x * ref_mask[..., None])
    y = np.full((1, 2, 2), 5.0, dtype="float32")
    y[0, 1, 0] = np.inf
    np.testing.assert_array_equal(L.Masking(5.0)(torch.as_tensor(y)).detach().numpy(), [[[0, 0], [np.inf, 5]]])


def test_identity_keeps_structure_dtype_and_mask():
    x = torch.arange(6).reshape(2, 3)
    assert L.Identity()(x) is x
    assert L.Identity()(keras.Input((3,), dtype="int32")).dtype == "int32"


# ------------------------------------------------------------------ activation layers
def np_relu(x, max_value=None, negative_slope=0.0, threshold=0.0):
    out = np.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        out = np.minimum(out, max_value)
    return out


@pytest.mark.parametrize("kw", [{}, {"max_value": 6.0}, {"negative_slope": 0.1},
                                {"threshold": 0.5}, {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.5}])
def test_relu_layer(kw):
    x = rand(5, 7) * 4
    x[0, 0] = kw.get("threshold", 0.0)  # at the threshold Keras outputs 0 (x > threshold keeps x)
    ref = np_relu(x, **kw)
    ref[0, 0] = 0.0
    np.testing.assert_allclose(L.ReLU(**kw)(torch.as_tensor(x)).detach().numpy(), ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kw,match", [({"max_value": -1}, "max_value"), ({"negative_slope": -1}, "negative_slope"),
                                      ({"threshold": None}, "threshold")])
def test_relu_layer_rejects_negative_args(kw, match):
    with pytest.raises(ValueError, match=match):
        L.ReLU(**kw)


def test_leaky_relu_elu_defaults():
    x = rand(4, 6)
    np.testing.assert_allclose(L.LeakyReLU()(torch.as_tensor(x)).detach().numpy(), np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    with pytest.warns(UserWarning):
        assert L.LeakyReLU(alpha=0.1).negative_slope == 0.1
    with pytest.raises(ValueError):
        L.LeakyReLU(-0.5)
    np.testing.assert_allclose(L.ELU(0.7)(torch.as_tensor(x)).detach().numpy(), np.where(x > 0, x, 0.7 * np.expm1(x)),
                               rtol=1e-5, atol=1e-6)


def test_prelu_shapes_and_values():
    layer = L.PReLU(shared_axes=[1, 2])
    x = rand(2, 3, 4, 5)
    layer.build((None, 3, 4, 5))
    assert tuple(layer.weights[0].shape) == (1, 1, 5)
    alpha = rng.random((1, 1, 5)).astype("float32")
    layer.set_weights([alpha])
    np.testing.assert_allclose(layer(torch.as_tensor(x)).detach().numpy(), np.where(x > 0, x, alpha * x), rtol=1e-6)
    full = L.PReLU()
    full.build((None, 3, 4))
    assert tuple(full.weights[0].shape) == (3, 4) and not full.get_weights()[0].any()
    with pytest.raises(ValueError, match="shared_axes"):
        L.PReLU(shared_axes=[3]).build((None, 3, 4))
    with pytest.raises(ValueError):
        full(torch.zeros(2, 3, 5))


def test_softmax_layer_axis_and_mask():
    x = rand(2, 3, 4)
    np.testing.assert_allclose(L.Softmax()(torch.as_tensor(x)).detach().numpy(), np_softmax(x), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(L.Softmax(axis=1)(torch.as_tensor(x)).detach().numpy(), np_softmax(x, 1), rtol=1e-5, atol=1e-7)
    joint = np.exp(x) / np.exp(x).sum(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(L.Softmax(axis=(1, 2))(torch.as_tensor(x)).detach().numpy(), joint, rtol=1e-5, atol=1e-7)
    mask = rng.random((2, 3, 4)) < 0.6
    mask[0, 0] = False  # a fully masked row gives zeros
    ref = np.where(mask, np.exp(x), 0)
    ref = np.divide(ref, ref.sum(-1, keepdims=True), out=np.zeros_like(ref), where=ref.sum(-1, keepdims=True) > 0)
    out = L.Softmax()(torch.as_tensor(x), mask=torch.as_tensor(mask))
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-5, atol=1e-7)
    assert hasattr(L.Softmax()(torch.as_tensor(x)), "_keras_logits")
    with pytest.raises(ValueError, match="broadcastable"):
        L.Softmax()(torch.as_tensor(x), mask=torch.ones(5, dtype=torch.bool))


@pytest.mark.parametrize("layer", [L.ReLU(), L.LeakyReLU(), L.ELU(), L.Activation("tanh"),
                                   L.Dropout(0.3), L.GaussianNoise(0.1)])
def test_elementwise_layers_propagate_masks(layer):
    x = torch.ones(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    assert torch.equal(layer(x)._keras_mask, x._keras_mask)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)


def test_activity_regularization_adds_l1_l2_of_activity_per_sample():
    import torchkeras as keras
    layer = keras.layers.ActivityRegularization(l1=0.1, l2=0.2)
    x = np.array([[1.0, -2.0], [3.0, 0.5]], dtype="float32")
    y = layer(x)
    np.testing.assert_array_equal(y.numpy(), x)
    expected = (0.1 * np.abs(x).sum() + 0.2 * (x ** 2).sum()) / x.shape[0]  # Keras divides by batch size
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="l1"):
        keras.layers.ActivityRegularization(l1=-1.0)


def test_embedding_negative_ids_count_from_the_end():
    # Keras's `take` on torch wraps negative ids as numpy indexing does.
    layer = L.Embedding(5, 3)
    out = np.asarray(layer(np.array([[-1, 0, 4]])).detach())
    w = np.asarray(layer.embeddings.numpy())
    np.testing.assert_array_equal(out[0], w[[4, 0, 4]])


def test_embedding_out_of_range_ids_raise_with_the_range():
    layer = L.Embedding(5, 3)
    with pytest.raises(ValueError, match=r"between -6 and 2"):
        layer(np.array([[-6, 2]]))


def test_dense_and_einsum_dense_with_activation_set_to_none_are_linear():
    # Keras's layers skip an activation a user sets to None after construction.
    layer = L.Dense(2, use_bias=False)
    layer.build((1, 2))
    layer.set_weights([np.array([[1.0, -2.0], [3.0, -4.0]], "float32")])
    layer.activation = None
    np.testing.assert_allclose(layer(np.array([[-1.0, 2.0]], "float32")).detach().numpy(), [[5.0, -6.0]])
    ed = L.EinsumDense("ab,bc->ac", output_shape=2)
    ed.build((1, 2))
    ed.set_weights([np.array([[1.0, -2.0], [3.0, -4.0]], "float32")])
    ed.activation = None
    np.testing.assert_allclose(ed(np.array([[-1.0, 2.0]], "float32")).detach().numpy(), [[5.0, -6.0]])
