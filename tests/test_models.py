"""Sequential, functional and subclassed models: building, graph checks, nn.Module behaviour, summary."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def seed_sequential():
    model = keras.Sequential()
    model.add(layers.Dense(units=32, activation="relu", input_dim=784))
    model.add(layers.Dense(units=10, activation="softmax"))
    return model


def seed_functional():
    x_input = keras.layers.Input(shape=(784,))
    dense_1 = layers.Dense(units=32, activation="relu")(x_input)
    output = layers.Dense(units=10, activation="softmax")(dense_1)
    return keras.models.Model(inputs=x_input, outputs=output)


def test_seed_models_build_immediately_with_keras_shapes():
    for model in (seed_sequential(), seed_functional()):
        assert model.built
        assert model.output_shape == (None, 10)
        assert model.count_params() == 784 * 32 + 32 + 32 * 10 + 10
        y = model(np.random.rand(3, 784))
        assert tuple(y.shape) == (3, 10)
        assert np.allclose(y.detach().numpy().sum(-1), 1, atol=1e-5)


def test_functional_layers_include_input_layer_but_sequential_does_not():
    assert [type(l).__name__ for l in seed_functional().layers] == ["InputLayer", "Dense", "Dense"]
    assert [type(l).__name__ for l in seed_sequential().layers] == ["Dense", "Dense"]


def test_sequential_matches_manual_numpy_forward():
    model = seed_sequential()
    x = np.random.rand(4, 784).astype("float32")
    k1, b1, k2, b2 = model.get_weights()
    h = np.maximum(x @ k1 + b1, 0)
    z = h @ k2 + b2
    expected = np.exp(z - z.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    assert np.allclose(model(x).detach().numpy(), expected, atol=1e-6)


def test_sequential_add_pop_get_layer():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,), name="a"), layers.Dense(2, name="b")])
    assert model.get_layer("b") is model.layers[1] and model.get_layer(index=0).name == "a"
    popped = model.pop()
    assert popped.name == "b" and model.output_shape == (None, 4)
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("zzz")
    with pytest.raises(TypeError, match="Only instances of"):
        model.add("dense")
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(1, name="a"))


def test_sequential_without_input_shape_builds_on_first_call():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built
    model(torch.zeros(5, 7))
    assert model.built and model.input_shape == (None, 7) and model.output_shape == (None, 2)


def test_functional_multi_io_shared_layers_and_nested_models():
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    shared = layers.Dense(3, name="shared")
    ha, hb = shared(a), shared(b)
    sub_in = keras.Input((3,))
    sub = keras.Model(sub_in, layers.Dense(2, name="inner")(sub_in), name="sub")
    out1 = sub(ha)
    out2 = ha - hb
    model = keras.Model([a, b], [out1, out2])
    xa, xb = torch.randn(2, 4), torch.randn(2, 4)
    y1, y2 = model([xa, xb])
    assert tuple(y1.shape) == (2, 2) and tuple(y2.shape) == (2, 3)
    assert torch.allclose(y2, shared(xa) - shared(xb))
    assert torch.allclose(y1, sub(shared(xa)))
    d1, _ = model({"a": xa, "b": xb})
    assert torch.allclose(d1, y1)
    assert len(model.weights) == 4  # shared once + inner


def test_layer_output_and_symbolic_ops():
    x = keras.Input((6,))
    d = layers.Dense(4)
    h = d(x)
    assert d.output is h and d.input is x and d.output_shape == (None, 4)
    y = (h[:, :2] * 2.0 + 1.0) - h[:, 2:]
    assert y.shape == (None, 2)
    model = keras.Model(x, y)
    xv = torch.randn(3, 6)
    hv = d(xv)
    assert torch.allclose(model(xv), hv[:, :2] * 2 + 1 - hv[:, 2:])


def test_disconnected_graph_errors():
    a = keras.Input((3,))
    b = keras.Input((3,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, layers.Dense(2)(b))
    unused = keras.Model([a, b], layers.Dense(2)(a))  # as Keras: an unused input is accepted and ignored
    assert tuple(unused([torch.zeros(1, 3), torch.zeros(1, 3)]).shape) == (1, 2)
    with pytest.raises(TypeError, match="symbolic tensors"):
        keras.Model(a, torch.zeros(2))


def test_input_shape_must_be_a_tuple():
    with pytest.raises(ValueError, match="trailing comma"):
        keras.Input(shape=784)
    with pytest.raises(ValueError, match="Cannot convert"):
        keras.Input(shape="784")
    with pytest.raises(ValueError, match="Cannot convert"):
        keras.Input(shape=[[784]])
    assert keras.Input(shape=[784]).shape == (None, 784)


def test_models_are_nn_modules():
    model = seed_functional()
    assert isinstance(model, torch.nn.Module)
    sd = model.state_dict()
    assert all(not k.startswith("dense") for k in sd)
    clone = seed_functional()
    clone.load_state_dict(sd)
    x = torch.randn(2, 784)
    assert torch.equal(clone(x), model(x))
    model.to(torch.float64)
    assert model(x.double()).dtype == torch.float64


def test_subclassed_model():
    class MLP(keras.Model):
        def __init__(self):
            super().__init__(name="mlp")
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    m = MLP()
    assert not m.built
    m.build((None, 5))
    assert m.built and len(m.weights) == 4 and m.count_params() == 5 * 8 + 8 + 8 * 2 + 2
    assert tuple(m(np.zeros((3, 5))).shape) == (3, 2)


def test_torch_module_inside_sequential_trains_with_it():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), torch.nn.Linear(4, 2)])
    assert model.output_shape == (None, 2)
    assert len(list(model.parameters())) == 4 and len(model.weights) == 4


def test_summary_prints_keras_table(capsys):
    seed_sequential().summary()
    out = capsys.readouterr().out
    assert 'Model: "sequential"' in out
    assert "│ dense (Dense)                   │ (None, 32)             │        25,120 │" in out
    assert " Total params: 25,450 (99.41 KB)" in out
    assert " Non-trainable params: 0 (0.00 B)" in out


def test_functional_and_sequential_config_round_trip():
    from torchkeras.utils import deserialize_keras_object, serialize_keras_object

    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    shared = layers.Dense(3, name="shared")
    out = layers.Dense(2, name="out")(shared(a))
    model = keras.Model([a, b], [out, shared(b)], name="m")
    cfg = model.get_config()
    assert set(cfg) == {"name", "trainable", "layers", "input_layers", "output_layers"}
    assert cfg["output_layers"] == [["out", 0, 0], ["shared", 1, 0]]
    clone = deserialize_keras_object(serialize_keras_object(model))
    clone.set_weights(model.get_weights())
    x = [torch.randn(2, 4), torch.randn(2, 4)]
    for u, v in zip(model(x), clone(x)):
        assert torch.allclose(u, v)
    seq = keras.Sequential([layers.Dense(3, input_shape=(4,), name="d")], name="s")
    seq2 = keras.Sequential.from_config(seq.get_config())
    assert seq2.output_shape == (None, 3) and seq2.layers[0].name == "d"


def test_symbolic_op_model_refuses_to_serialize_clearly():
    # A torch function with no Keras op behind it cannot be written to a config.
    x = keras.Input((3,))
    model = keras.Model(x, torch.sigmoid(layers.Dense(2)(x)))
    with pytest.raises(NotImplementedError, match="Lambda"):
        model.get_config()


def test_plain_torch_module_in_subclassed_model_trains_in_fit():
    class Hybrid(keras.Model):
        def __init__(self):
            super().__init__()
            self.torch_part = torch.nn.Linear(3, 4)
            self.head = layers.Dense(1)

        def call(self, x):
            return self.head(torch.relu(self.torch_part(x)))

    model = Hybrid()
    model.compile(optimizer="sgd", loss="mse")
    before = model.torch_part.weight.detach().clone()
    model.fit(np.random.rand(16, 3).astype("float32"), np.random.rand(16, 1).astype("float32"), epochs=1, verbose=0)
    assert not torch.equal(before, model.torch_part.weight)


def test_constraints_apply_after_each_step():
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), kernel_constraint=keras.constraints.NonNeg())])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    model.fit(np.random.rand(8, 3).astype("float32"), -10 * np.ones((8, 2), "float32"), epochs=2, verbose=0)
    assert (model.layers[0].kernel.numpy() >= 0).all()


def test_keras_semantics_for_misuse():
    a = keras.Input((3,))
    with pytest.raises(ValueError, match='The name "d" is used 2 times'):
        keras.Model(a, layers.Dense(2, name="d")(layers.Dense(2, name="d")(a)))
    with pytest.raises(ValueError, match="expects 1 input"):
        layers.Dense(2)([torch.zeros(1, 3), torch.zeros(1, 3)])
    with pytest.raises(ValueError):  # Keras: ValueError (torch code may catch TypeError: it is both)
        keras.Model(np.zeros((1, 3)), np.zeros((1, 3)))
    cfg = keras.Model(a, layers.Dense(2)(a)).get_config()
    assert type(keras.Model.from_config(cfg)).__name__ == "Functional"


def test_functional_node_training_flag_yields_to_explicit_model_training():
    # Keras 3: `Dropout(0.5)(h, training=True)` is kept by model(x) but overridden by an explicit
    # model-level training value, which fit/evaluate/predict always pass.
    x = keras.Input((50,))
    y = keras.layers.Dropout(0.5)(keras.layers.Dense(50, kernel_initializer="ones")(x), training=True)
    model = keras.Model(x, y)
    d = np.ones((4, 50), "float32")

    def dropped(out):
        return bool((keras.ops.convert_to_numpy(out) == 0).any())

    assert dropped(model(d))
    assert not dropped(model(d, training=False))
    assert not dropped(model.predict(d, verbose=0))
    outer = keras.Sequential([model])
    assert dropped(outer(d)) and not dropped(outer.predict(d, verbose=0))
