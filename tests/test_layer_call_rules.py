"""Keras's Layer call rules and tracking (layers/layer_test.py of Keras 3.15): positional arguments,
keyword inputs, name-matched build shapes, nested compute_output_shape, state locking, metrics."""

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def test_only_tensors_positionally():
    class SomeLayer(layers.Layer):
        def call(self, x, bool_arg):
            return x if bool_arg else x + 1

    x = np.ones((2, 3), "float32")
    with pytest.raises(ValueError, match="Only input tensors may be passed as positional arguments"):
        SomeLayer()(x, True)
    np.testing.assert_allclose(SomeLayer()(x, bool_arg=False).numpy(), x + 1)


def test_inputs_by_keyword_and_named_build_shapes():
    class TwoInputs(layers.Layer):
        def build(self, bar_shape, foo_shape):
            self.foo_shape, self.bar_shape = foo_shape, bar_shape

        def call(self, foo, bar):
            return foo[:, :1] + bar[:, :1]

    foo, bar = np.ones((4, 1), "float32"), 2 * np.ones((4, 2), "float32")
    layer = TwoInputs()
    out = layer(foo=foo, bar=bar)
    np.testing.assert_allclose(out.numpy(), np.full((4, 1), 3.0))
    assert layer.foo_shape == (4, 1) and layer.bar_shape == (4, 2)

    class NoSuffix(layers.Layer):
        def build(self, foo_shape, bar):
            pass

        def call(self, foo, bar):
            return foo

    with pytest.raises(ValueError, match="argument `bar`, which does not end in `_shape`"):
        NoSuffix()(foo, bar)

    class Unknown(layers.Layer):
        def build(self, foo_shape, baz_shape):
            pass

        def call(self, foo, bar):
            return foo

    with pytest.raises(ValueError, match=r"`baz_shape`, but `call\(\)` does not have argument `baz`"):
        Unknown()(foo, bar)

    class MaskArg(layers.Layer):
        def build(self, inputs_shape, attention_mask_shape=None):
            self.mask_shape = attention_mask_shape

        def call(self, inputs, attention_mask=None):
            return inputs * attention_mask

    layer = MaskArg()
    layer(np.ones((2, 3), "float32"), attention_mask=np.ones((2, 1), "float32"))
    assert layer.mask_shape == (2, 1)


def test_nested_compute_output_shape_gives_nested_keras_tensors():
    class Nested(layers.Layer):
        def call(self, x):
            raise RuntimeError("never called")

        def compute_output_shape(self, input_shape):
            return {"a": input_shape, "b": (input_shape, [input_shape])}

    out = Nested().compute_output_spec(keras.KerasTensor((2, 3)))
    assert out["a"].shape == (2, 3)
    assert isinstance(out["b"], tuple) and isinstance(out["b"][1], list)
    assert out["b"][1][0].shape == (2, 3)


def test_not_implemented_messages():
    layer = layers.Layer()
    layer.built = True
    for method, kwargs in [("call", None), ("compute_output_shape", None), ("quantize", {"mode": "int8"}),
                           ("quantized_build", {"input_shape": None, "mode": None})]:
        with pytest.raises(NotImplementedError, match=f"does not have a `{method}` method implemented"):
            getattr(layer, method)(**kwargs) if kwargs else getattr(layer, method)(None)
    dense = layers.Dense(2)
    assert dense.rematerialized_call(dense.call) == dense.call


def test_add_weight_positional_forms():
    class Layer(layers.Layer):
        def __init__(self, *args, **kwargs):
            super().__init__()
            self.w = self.add_weight(*args, **kwargs)

    w = Layer((3, 4), "ones", "float32").w
    assert tuple(w.shape) == (3, 4) and w.dtype == torch.float32
    np.testing.assert_array_equal(w.detach().numpy(), np.ones((3, 4)))
    with pytest.raises(ValueError, match="`name` must be passed as a keyword argument"):
        Layer("matrix", shape=(3, 4))
    with pytest.raises(ValueError, match="`shape` was passed both positionally and as a keyword argument"):
        Layer((3, 4), shape=(3, 4))
    with pytest.raises(TypeError, match="takes at most 3 positional arguments"):
        Layer((3, 4), "zeros", "float32", "name")


def test_trainable_must_be_bool():
    for bad in ("yes", 1, None):
        with pytest.raises(ValueError, match="to be a boolean"):
            layers.Dense(2, trainable=bad)


def test_state_is_locked_after_build_and_state_before_init_is_tracked():
    class Bad(layers.Layer):
        def call(self, x):
            self.w = self.add_weight(shape=(), initializer="zeros")
            return x

    with pytest.raises(ValueError, match="cannot add new elements of state"):
        Bad()(np.ones((3, 2), "float32"))

    class SuperBuildFirst(layers.Dense):
        def build(self, input_shape):
            super().build(input_shape)
            self.extra = self.add_weight(shape=(), initializer="ones", name="extra")

    class Parent(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = SuperBuildFirst(2)

        def call(self, x):
            return self.inner(x)

    parent = Parent()
    parent(np.ones((3, 2), "float32"))
    assert len(parent.weights) == 3

    class Early(layers.Layer):
        def __init__(self):
            self.some_attr = True
            self.w = keras.Variable(np.ones((2,), "float32"))
            super().__init__()

    assert len(Early().weights) == 1


def test_metrics_of_a_layer_and_its_sublayers():
    class WithMetric(layers.Layer):
        def __init__(self, inner=None):
            super().__init__()
            self.inner = inner if inner is not None else layers.Dense(3)
            self.metric = keras.metrics.MeanSquaredError(name="my_metric")

        def call(self, x):
            return self.inner(x)

    layer = WithMetric(WithMetric())
    assert len(layer.metrics) == 2
    assert len(layer.metrics_variables) == 4


def test_activity_regularization_of_an_empty_batch_is_zero():
    class Identity(layers.Layer):
        def call(self, x):
            return x

    for batch, expected in [(0, 0.0), (5, 0.2)]:  # l2 (0.01) * sum(2^2 * 5 * batch) / batch
        layer = Identity(activity_regularizer="l2")
        layer(torch.ones((batch, 5)) * 2.0)
        np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)


def test_from_config_deserializes_the_dtype_policy():
    seen = {}

    class Recording(layers.Dense):
        def __init__(self, *args, **kwargs):
            seen["dtype"] = kwargs["dtype"]
            super().__init__(*args, **kwargs)

    config = layers.Dense(2, dtype="bfloat16").get_config()
    assert isinstance(config["dtype"], dict)
    Recording.from_config(config)
    assert seen["dtype"] == "bfloat16"


def test_list_attribute_filled_after_assignment_is_tracked():
    class Holder(layers.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = []
            self.blocks.append(layers.Dense(2))
            self.head = layers.Dense(1)

        def call(self, x):
            return self.head(self.blocks[0](x))

    model = Holder()
    model(np.ones((3, 4), "float32"))
    assert len(model.weights) == 4
    assert any(name.startswith("blocks.0.") for name, _ in model.named_parameters())


def test_masking_helpers():
    from torchkeras.utils.masking import get_keras_mask, set_keras_mask

    x = torch.ones(2, 3)
    assert get_keras_mask(x) is None
    mask = torch.tensor([[True, False, True], [True, True, False]])
    set_keras_mask(x, mask)
    assert get_keras_mask(x) is mask
    set_keras_mask(x, None)
    assert get_keras_mask(x) is None
