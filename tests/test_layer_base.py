"""The Layer lifecycle: names, lazy build, input checks, casting, training flag, weights, config, custom layers."""

import io

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


class MyDense(layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", name="kernel")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        return torch.matmul(inputs, self.w) + self.b


class Noisy(layers.Layer):
    """Reports the training flag it was called with."""

    def call(self, inputs, training=None):
        self.seen = training
        return inputs


def test_auto_names_number_like_keras():
    assert [layers.Dense(2).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert MyDense().name == "my_dense"
    assert layers.Dense(2, name="out").name == "out"


def test_unknown_kwarg_is_a_clear_error():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense: {'foo': 1}"):
        layers.Dense(3, foo=1)


def test_seed_reshape_typo_input_length_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="input_shape"):
        layers.Dense(3, input_length=(16,))


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", None])
def test_units_must_be_positive_int(units):
    with pytest.raises(ValueError, match="units"):
        layers.Dense(units)


def test_lazy_build_and_keras_weight_layout():
    d = layers.Dense(3)
    assert not d.built and d.weights == []
    y = d(np.ones((2, 5)))
    assert d.built and tuple(y.shape) == (2, 3)
    kernel, bias = d.get_weights()
    assert kernel.shape == (5, 3) and bias.shape == (3,)
    assert np.allclose(d.torch_module.weight.detach().numpy(), kernel.T)


def test_numpy_float64_is_cast_to_float32():
    d = layers.Dense(2)
    y = d(np.random.rand(4, 3))
    assert y.dtype == torch.float32
    y = d(torch.rand(4, 3, dtype=torch.float64))
    assert y.dtype == torch.float32


def test_wrong_last_axis_after_build_uses_keras_message():
    d = layers.Dense(2)
    d(torch.zeros(1, 784))
    with pytest.raises(ValueError, match=r'Input 0 of layer "dense" is incompatible with the layer: expected axis -1 '
                                         r"of input shape to have value 784, but received input with shape \(32, 100\)"):
        d(torch.zeros(32, 100))


def test_dense_applies_to_last_axis_of_any_rank():
    d = layers.Dense(3, use_bias=False)
    x = np.random.rand(2, 4, 5, 6).astype("float32")
    y = d(x).detach().numpy()
    assert np.allclose(y, x @ d.get_weights()[0], atol=1e-5)
    assert d.compute_output_shape((None, 4, 5, 6)) == (None, 4, 5, 3)


def test_set_weights_checks_count_and_shape():
    d = layers.Dense(3)
    d.build((None, 4))
    with pytest.raises(ValueError, match=r'layer "dense" with a weight list of length 1, but the layer was expecting 2'):
        d.set_weights([np.zeros((4, 3))])
    with pytest.raises(ValueError, match=r"weight 0 \(kernel\) has shape \(4, 3\).*\(3, 4\)"):
        d.set_weights([np.zeros((3, 4)), np.zeros(3)])
    k = np.arange(12, dtype="float32").reshape(4, 3)
    d.set_weights([k, np.ones(3)])
    assert np.array_equal(d.kernel.numpy(), k)
    y = d(np.eye(4, dtype="float32")).detach().numpy()
    assert np.allclose(y, k + 1)


def test_variable_view_assign_and_value():
    d = layers.Dense(2)
    d.build((None, 3))
    d.kernel.assign(np.ones((3, 2)))
    assert d.kernel.shape == (3, 2) and d.kernel.path == "dense/kernel"
    assert np.array_equal(np.asarray(d.kernel), np.ones((3, 2)))
    assert torch.equal(d.torch_module.weight, torch.ones(2, 3))


def test_count_params_requires_build():
    d = layers.Dense(3)
    with pytest.raises(ValueError, match="isn't built"):
        d.count_params()
    d.build((None, 4))
    assert d.count_params() == 15


def test_training_flag_resolution_explicit_context_and_torch_mode():
    outer = keras.Sequential([Noisy()])
    inner = outer.layers[0]
    outer(torch.zeros(1, 2))
    assert inner.seen is False  # a Keras model starts in inference mode
    outer(torch.zeros(1, 2), training=True)
    assert inner.seen is True  # the enclosing call's value reaches inner layers
    outer.train()
    outer(torch.zeros(1, 2))
    assert inner.seen is True  # torch's train() mode is honoured
    outer(torch.zeros(1, 2), training=False)
    assert inner.seen is False


def test_custom_layer_with_add_weight():
    layer = MyDense(3)
    x = np.random.rand(2, 5).astype("float32")
    y = layer(x)
    w, b = layer.get_weights()
    assert np.allclose(y.detach().numpy(), x @ w + b, atol=1e-6)
    assert [v.name for v in layer.weights] == ["kernel", "bias"]
    assert sorted(layer.state_dict()) == ["b", "w"]
    layer.w.assign(np.zeros((5, 3)))
    assert np.allclose(layer(x).detach().numpy(), b)


def test_trainable_false_freezes():
    d = layers.Dense(2)
    d.build((None, 3))
    d.trainable = False
    assert d.trainable_weights == [] and len(d.non_trainable_weights) == 2
    assert not any(p.requires_grad for p in d.parameters())
    d.trainable = True
    assert all(p.requires_grad for p in d.parameters())


def test_regularizer_losses_and_add_loss():
    d = layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.1), use_bias=False)
    d.build((None, 3))
    d.kernel.assign(np.ones((3, 2)))
    assert len(d.losses) == 1 and abs(float(d.losses[0]) - 0.6) < 1e-6

    class WithLoss(layers.Layer):
        def call(self, x):
            self.add_loss(x.sum())
            return x

    layer = WithLoss()
    layer(torch.ones(2, 2))
    assert float(layer.losses[0]) == 4.0
    layer(torch.ones(1, 2))
    assert len(layer.losses) == 1 and float(layer.losses[0]) == 2.0


def test_get_config_round_trip_with_keras_keys():
    d = layers.Dense(5, activation="relu", use_bias=False, name="d")
    cfg = d.get_config()
    assert set(cfg) == {"name", "trainable", "dtype", "units", "activation", "use_bias", "kernel_initializer",
                        "bias_initializer", "kernel_regularizer", "bias_regularizer", "kernel_constraint",
                        "bias_constraint", "quantization_config"}
    clone = layers.Dense.from_config(cfg)
    assert clone.units == 5 and clone.use_bias is False and clone.get_config()["activation"] == "relu"


def test_state_dict_is_structural_and_loads_into_fresh_model():
    def make():
        return keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])

    a = make()
    b = make()  # built later, with different auto names
    assert [l.name for l in a.layers] != [l.name for l in b.layers]
    buf = io.BytesIO()
    torch.save(a.state_dict(), buf)
    buf.seek(0)
    b.load_state_dict(torch.load(buf))
    x = torch.randn(5, 3)
    assert torch.equal(a(x), b(x))


def test_layers_in_lists_and_dicts_of_subclassed_model_are_tracked():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [layers.Dense(4), layers.Dense(4)]
            self.heads = {"a": layers.Dense(1)}

        def call(self, x):
            for b in self.blocks:
                x = b(x)
            return self.heads["a"](x)

    net = Net()
    net(torch.zeros(2, 3))
    assert len(net.weights) == 6
    assert len(list(net.parameters())) == 6
    assert [l.name for l in net.layers] == ["dense", "dense_1", "dense_2"]
