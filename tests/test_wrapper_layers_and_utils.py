"""keras.layers.Wrapper, layers.serialize/deserialize, TorchModuleWrapper (Keras's torch_utils), variable
setters and name scopes, MultiOptimizer-aware LR callbacks, and small utils/random/constraints fixes."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


class Doubler(layers.Wrapper):
    def call(self, inputs):
        return 2 * self.layer(inputs)


def test_wrapper_base_class():
    with pytest.raises(ValueError, match="supplied to Wrapper isn't a supported layer type"):
        layers.Wrapper("not a layer")
    w = Doubler(layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros"))
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(w(x).detach().numpy(), 2 * x.sum(1, keepdims=True).repeat(2, 1))
    assert len(w.trainable_weights) == 2
    revived = Doubler.from_config(w.get_config())
    assert isinstance(revived.layer, layers.Dense) and revived.layer.units == 2
    assert isinstance(layers.TimeDistributed(layers.Dense(2)), layers.Wrapper)
    assert isinstance(layers.SpectralNormalization(layers.Dense(2)), layers.Wrapper)


def test_layers_serialize_deserialize():
    config = layers.serialize(layers.Dense(3, name="d"))
    assert config["class_name"] == "Dense" and config["config"]["units"] == 3
    layer = layers.deserialize(config)
    assert isinstance(layer, layers.Dense) and layer.name == "d"
    with pytest.raises(ValueError, match="not a `keras.layers.Layer`"):
        layers.deserialize(keras.optimizers.serialize(keras.optimizers.SGD()))


def test_torch_module_wrapper_config_shape_and_state_dict_weights():
    module = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.BatchNorm1d(4))
    wrapper = layers.TorchModuleWrapper(module, output_shape=[None, 4])
    assert wrapper.compute_output_shape((None, 2)) == (None, 4)
    config = wrapper.get_config()
    with pytest.raises(ValueError, match="torch.load"):
        layers.TorchModuleWrapper.from_config(config)
    revived = layers.TorchModuleWrapper.from_config(config, safe_mode=False)
    for a, b in zip(wrapper.get_weights(), revived.get_weights()):
        np.testing.assert_array_equal(a, b)
    store = {}
    wrapper.save_own_variables(store)
    assert set(store) == set(module.state_dict())  # BatchNorm statistics included, as Keras
    with pytest.raises(ValueError, match="LazyModules are not supported"):
        layers.TorchModuleWrapper(torch.nn.LazyLinear(3))


def test_plain_torch_modules_are_wrapped_on_custom_models():
    class Hybrid(keras.Model):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(2, 4)
            self.fc2 = layers.Dense(2)

        def call(self, x):
            return self.fc2(self.fc1(x))

    model = Hybrid()
    assert isinstance(model.fc1, layers.TorchModuleWrapper)
    assert tuple(model.fc1.weight.shape) == (4, 2)  # torch attributes still reach the module
    model(np.ones((3, 2), "float32"))
    assert len(model.trainable_weights) == 4


def test_variable_constraint_and_regularizer_setters_and_name_scope_path():
    with keras.name_scope("dense"):
        v = keras.Variable(np.array([[-1.0, 2.0]], "float32"), name="kernel")
    assert v.path == "dense/kernel"
    v.constraint = keras.constraints.NonNeg()
    np.testing.assert_array_equal(v.constraint(v).detach().numpy(), [[0.0, 2.0]])
    with pytest.raises(ValueError, match="Invalid value for attribute `constraint`"):
        v.constraint = "not callable"
    v.regularizer = keras.regularizers.L2(0.5)
    np.testing.assert_allclose(float(v.regularizer(v)), 0.5 * 5.0)
    with pytest.raises(ValueError, match="Invalid value for attribute `regularizer`"):
        v.regularizer = 3


def _multi_model():
    opt_1, opt_2 = keras.optimizers.SGD(learning_rate=0.1), keras.optimizers.SGD(learning_rate=0.01)
    optimizer = keras.optimizers.MultiOptimizer(
        keras.optimizers.OptimizerMap(default_optimizer=opt_2, optimizer_map={".*dense_1/.*": opt_1}))
    model = keras.Sequential([layers.Dense(2, use_bias=False, name="dense_1"),
                              layers.Dense(1, use_bias=False, name="dense_2")])
    model.compile(loss="mse", optimizer=optimizer)
    return model, opt_1, opt_2


def test_learning_rate_callbacks_update_each_sub_optimizer():
    model, opt_1, opt_2 = _multi_model()
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    scheduler.set_model(model)
    scheduler.on_epoch_begin(1)
    np.testing.assert_allclose([float(opt_1.learning_rate), float(opt_2.learning_rate)], [0.05, 0.005])
    logs = {}
    scheduler.on_epoch_end(1, logs)
    assert set(logs) == {f"learning_rate_{opt_1.name}", f"learning_rate_{opt_2.name}"}

    model, opt_1, opt_2 = _multi_model()
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)
    reduce.set_model(model)
    reduce.on_train_begin()
    reduce.on_epoch_end(0, {"val_loss": 1.0})
    reduce.on_epoch_end(1, {"val_loss": 1.0})
    np.testing.assert_allclose([float(opt_1.learning_rate), float(opt_2.learning_rate)], [0.05, 0.005])


def test_constraints_accept_numpy_arrays():
    w = np.array([[-1.0, 3.0], [0.0, 4.0]], "float32")
    np.testing.assert_allclose(keras.constraints.NonNeg()(w).numpy(), np.maximum(w, 0))
    norms = np.sqrt((w ** 2).sum(0, keepdims=True))
    np.testing.assert_allclose(keras.constraints.UnitNorm()(w).numpy(), w / (1e-7 + norms), rtol=1e-6)
    np.testing.assert_allclose(keras.constraints.MaxNorm(2.0)(w).numpy(),
                               w * np.clip(norms, 0, 2.0) / (1e-7 + norms), rtol=1e-6)


def test_numerical_utils_keep_torch_tensors():
    labels = torch.tensor([0, 2, 1])
    one_hot = keras.utils.to_categorical(labels, 3)
    assert isinstance(one_hot, torch.Tensor)
    np.testing.assert_array_equal(one_hot.numpy(), np.eye(3)[[0, 2, 1]])
    x = np.array([[3.0, 4.0], [0.0, 0.0]], "float32")
    out = keras.utils.normalize(torch.as_tensor(x), order=2)
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.0, 0.0]])
    assert isinstance(keras.utils.normalize(x), np.ndarray)


def test_metric_variables_include_held_variables_and_submetrics():
    metric = keras.metrics.Mean()
    own = len(metric.variables)
    metric.more = {"a": [keras.Variable(0.0), keras.Variable(1.0)]}
    metric.sub = [keras.metrics.Sum(), keras.metrics.Mean()]
    assert len(metric.variables) == own + 2 + 1 + 2


def test_random_rules():
    x = torch.ones(4, 4)
    np.testing.assert_array_equal(keras.random.dropout(x, rate=1.0, seed=0).numpy(), np.zeros((4, 4)))
    with pytest.raises(ValueError, match="requires an integer `dtype`"):
        keras.random.randint((3,), 0, 10, dtype="float32")
    with pytest.raises(ValueError, match="requires a floating point `dtype`"):
        keras.random.uniform((3,), dtype="int64")
    with pytest.raises(ValueError, match="should be a 2-D tensor"):
        keras.random.categorical(np.ones((5,)), 5)
    r = keras.random.randint((100,), 0, 10, dtype="uint32", seed=1)
    assert r.dtype == torch.int64 and 0 <= int(r.min()) and int(r.max()) < 10


def test_random_initializer_with_a_seed_generator():
    init = keras.initializers.RandomNormal(seed=keras.random.SeedGenerator(1337))
    a, b = init((200,)).numpy(), init((200,)).numpy()
    assert not np.array_equal(a, b)  # the generator's stream advances, as Keras
    assert abs(a.std() - 0.05) < 0.01
    revived = keras.initializers.RandomNormal.from_config(init.get_config())
    assert isinstance(revived.seed, keras.random.SeedGenerator)
    with pytest.raises(ValueError, match="should be an instance of `keras.random.SeedGenerator"):
        keras.initializers.RandomNormal(seed="1")
