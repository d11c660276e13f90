"""Functional/Sequential input handling, config round trips with ops and nested structures, slicing,
and get_state_tree / set_state_tree (Keras 3.15 behaviour as the spec; expected numbers from numpy)."""

import json
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _dense_np(layer, x):
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    return x @ kernel + bias


def test_ops_in_config_are_keras_op_entries_and_round_trip():
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    x = (a + b) * 2
    x = x[:, 1:3]
    out = layers.Dense(2, name="d")(-x)
    model = keras.Model([a, b], out)
    cfg = model.get_config()
    ops = {e["name"]: e for e in cfg["layers"] if e["module"].startswith("keras.src.ops")}
    # What Keras 3.15 writes for these nodes (class names and module), checked against real Keras.
    assert sorted(e["class_name"] for e in ops.values()) == ["Add", "GetItem", "Multiply", "Negative"]
    assert all(e["module"] == "keras.src.ops.numpy" for e in ops.values())
    restored = keras.Model.from_config(json.loads(json.dumps(cfg)))
    restored.set_weights(model.get_weights())
    xa = np.random.rand(4, 3).astype("float32")
    xb = np.random.rand(4, 3).astype("float32")
    want = _dense_np(model.get_layer("d"), -((xa + xb) * 2)[:, 1:3])
    np.testing.assert_allclose(np.asarray(restored([xa, xb]).detach()), want, rtol=1e-5, atol=1e-6)


def test_keras_ops_with_arguments_keep_them_in_the_op_config():
    a = keras.Input((3,), name="a")
    model = keras.Model(a, keras.ops.mean(a, axis=1))
    entry = [e for e in model.get_config()["layers"] if e["class_name"] == "Mean"][0]
    assert entry["config"]["axis"] == 1 and entry["inbound_nodes"][0]["kwargs"] == {}
    restored = keras.Model.from_config(model.get_config())
    x = np.random.rand(2, 3).astype("float32")
    np.testing.assert_allclose(np.asarray(restored(x)), x.mean(axis=1), rtol=1e-6)


@pytest.mark.parametrize("kind", [list, tuple, dict])
def test_output_structure_survives_config(kind):
    inputs = keras.Input((3,), name="input")
    oa = layers.Dense(4)(inputs)
    ob = layers.Dense(5)(inputs)
    outputs = {"a": oa, "b": ob} if kind is dict else kind([oa, ob])
    model = keras.Model(inputs, outputs)
    restored = keras.Model.from_config(model.get_config())
    assert isinstance(restored(np.zeros((2, 3), "float32")), kind)


def test_nested_and_dict_inputs_round_trip_through_json():
    a = keras.Input((3,), name="a")
    model = keras.Model([[a]], layers.Dense(2)(a))
    js = model.to_json()
    assert keras.models.model_from_json(js).to_json() == js
    b = keras.Input((2,), name="b")
    model = keras.Model({"a": a, "b": b}, layers.Concatenate()([a, b]))
    restored = keras.models.model_from_json(model.to_json())
    out = restored({"a": np.ones((1, 3), "float32"), "b": np.zeros((1, 2), "float32")})
    np.testing.assert_array_equal(np.asarray(out), [[1, 1, 1, 0, 0]])


def test_dict_input_models_reload_from_keras_file(tmp_path):
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    model = keras.Model({"a": a, "b": b}, {"y": layers.Dense(1, name="y")(layers.Concatenate()([a, b]))})
    path = str(tmp_path / "m.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    x = {"a": np.random.rand(2, 3).astype("float32"), "b": np.random.rand(2, 2).astype("float32")}
    want = _dense_np(model.get_layer("y"), np.concatenate([x["a"], x["b"]], axis=1))
    np.testing.assert_allclose(np.asarray(restored(x)["y"].detach()), want, rtol=1e-5, atol=1e-6)


def test_inputs_by_name_extra_keys_and_mismatches():
    a = keras.Input((3,), name="a")
    b = keras.Input((4,), name="b")
    out = layers.Concatenate()([a, b])
    as_list = keras.Model([a, b], out)
    x = {"a": np.ones((2, 3), "float32"), "b": np.zeros((2, 4), "float32")}
    assert tuple(as_list(x).shape) == (2, 7)
    renamed = keras.Model({"c": a, "d": b}, out)
    with pytest.raises(ValueError):
        renamed(x)
    unsorted = keras.Model({"b": b, "a": a}, out)
    with pytest.raises(ValueError, match="structure of `inputs`"):
        unsorted([np.ones((2, 4), "float32"), np.ones((2, 3), "float32")])
    single = keras.Model({"a": a}, a * 5)
    with pytest.warns(UserWarning, match="structure of `inputs`"):
        y = single({"a": np.ones((2, 3), "float32"), "extra": np.ones((2, 1), "float32")})
    np.testing.assert_array_equal(np.asarray(y), np.full((2, 3), 5.0))


def test_input_errors_name_the_input():
    x = keras.Input((3,), name="foo")
    model = keras.Model(x, layers.Dense(2)(x))
    with pytest.raises(ValueError, match="name 'foo' and path ''"):
        model(np.zeros((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(2, 5\)"):
        model(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="not optional"):
        model(None)


def test_inputs_take_the_input_dtype():
    f = keras.Input((2,), dtype="float16")
    i = keras.Input((2,), dtype="int32")
    fo, io = keras.Model((f, i), (f + 2, i + 2))((np.ones((2, 2)), np.ones((2, 2))))
    assert fo.dtype == torch.float16 and io.dtype == torch.int32


def test_single_output_list_is_unpacked_in_eager_calls():
    x = keras.Input((3,))
    model = keras.Model(x, [layers.Dense(2)(x)])
    assert isinstance(model(np.zeros((1, 3), "float32")), torch.Tensor)


def test_slicing_a_functional_graph():
    inputs = keras.Input((None, 2), name="input")
    x1 = layers.Dense(3, name="dense1")(inputs)
    x2 = layers.Dense(4, name="dense2")(x1)
    outputs = layers.Dense(5, name="dense3")(x2)
    full = keras.Model(inputs, outputs)
    part = keras.Model(x2, outputs)
    assert [type(l).__name__ for l in part.layers] == ["InputLayer", "Dense"]
    assert part.layers[1].name == "dense3"
    h = np.random.rand(1, 2, 4).astype("float32")
    np.testing.assert_allclose(np.asarray(part(h).detach()), _dense_np(full.get_layer("dense3"), h),
                               rtol=1e-5, atol=1e-6)
    assert len(full.layers) == 4


def test_disconnected_output_names_its_path():
    i1 = keras.Input((2,), name="i1")
    i2 = keras.Input((2,), name="i2")
    with pytest.raises(ValueError, match="Output with path `o2` is not connected"):
        keras.Model(i1, {"o1": i1 * 2, "o2": i2 * 3})


def test_legacy_config_errors():
    base = {"class_name": "InputLayer", "name": "input_1",
            "config": {"batch_input_shape": [None, 10], "dtype": "float32", "name": "input_1"},
            "inbound_nodes": []}
    loop = {"name": "m", "layers": [
        base,
        {"class_name": "Dense", "name": "a", "config": {"units": 10, "name": "a"}, "inbound_nodes": [[["b", 0, 0, {}]]]},
        {"class_name": "Dense", "name": "b", "config": {"units": 10, "name": "b"}, "inbound_nodes": [[["a", 0, 0, {}]]]},
    ], "input_layers": [["input_1", 0, 0]], "output_layers": [["b", 0, 0]]}
    with pytest.raises(ValueError, match="loop"):
        keras.Model.from_config(loop)
    missing = dict(loop, layers=loop["layers"][:2], output_layers=[["a", 0, 0]])
    with pytest.raises(ValueError, match="Missing node: b"):
        keras.Model.from_config(missing)


def test_sequential_keeps_its_input_and_runs_structured_inputs():
    inp = keras.Input((2,))
    model = keras.Sequential()
    assert not hasattr(model, "inputs") and not hasattr(model, "input_shape")
    model.add(inp)
    model.add(layers.Dense(4))
    assert model.inputs == [inp]
    with pytest.raises(ValueError, match="already been configured"):
        model.add(keras.Input((2,)))
    with pytest.raises(ValueError, match="already been configured"):
        model.build((3, 4))
    with pytest.raises(AttributeError, match=r"Use `add\(\)` and `pop\(\)`"):
        model.layers = []

    class Swap(layers.Layer):
        def call(self, inputs):
            return {"a": inputs["b"], "b": inputs["a"]}

    seq = keras.Sequential([Swap()])
    out = seq({"a": np.zeros((1, 2), "float32"), "b": np.ones((1, 2), "float32")})
    np.testing.assert_array_equal(np.asarray(out["a"]), np.ones((1, 2)))


def test_sequential_config_round_trip_is_stable():
    model = keras.Sequential([layers.Dense(4), layers.Dense(5)], name="seq")
    model.build((2, 3))
    cfg = model.get_config()
    assert keras.Sequential.from_config(cfg).get_config() == cfg


def test_sequential_with_a_model_first_builds_at_once():
    inputs = keras.Input((4,))
    inner = keras.Model(inputs, layers.Dense(3)(inputs))
    model = keras.Sequential([inner, layers.Dense(1)])
    assert model.built and model.output_shape == (None, 1)


def test_state_tree_round_trip():
    x = keras.Input(shape=(3,), name="input_a")
    model = keras.Model(x, layers.Dense(1, name="output_a")(x))
    model.compile(loss="mse", optimizer="adam")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)
    tree = model.get_state_tree(value_format="numpy_array")
    kernel = np.asarray(model.get_layer("output_a").get_weights()[0])
    np.testing.assert_allclose(tree["trainable_variables"]["output_a"]["kernel"], kernel)
    assert tree["non_trainable_variables"] == {}
    assert int(tree["optimizer_variables"]["adam"]["iteration"]) == 1
    assert float(tree["metrics_variables"]["loss"]["count"]) == 4.0
    model.set_state_tree({"trainable_variables": {"output_a": {"bias": [0.5], "kernel": [[0.6], [0.7], [1.8]]}},
                          "optimizer_variables": {"adam": {"iteration": 5}}})
    np.testing.assert_allclose(model.predict(np.ones((1, 3), "float32"), verbose=0), [[0.6 + 0.7 + 1.8 + 0.5]],
                               rtol=1e-6)
    assert int(model.optimizer.iterations) == 5
    with pytest.raises(ValueError, match="Unknown variable name"):
        model.set_state_tree({"weights": {}})


def test_state_tree_refuses_duplicate_paths():
    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(2, name="same")
            self.d2 = layers.Dense(2, name="same")

        def call(self, x):
            return self.d2(self.d1(x))

    model = Twice()
    model(np.zeros((1, 3), "float32"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="found twice"):
            model.get_state_tree()
