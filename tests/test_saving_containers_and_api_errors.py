"""Weights of layers in nested containers, Keras's file layout for subclassed models, and the
saving API's Keras 3 errors (save_format, unsupported extensions, HDF5 links)."""

import h5py
import numpy as np
import pytest

import torchkeras as keras
from torchkeras import layers
from torchkeras.saving._tree import own_variables, walk


def test_subclassed_model_layout_matches_keras():
    class M(keras.Model):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.zz = layers.Dense(3)
            self.aa = layers.Dense(8)
            self.lst = [layers.Dense(8)]

        def call(self, x):
            return self.zz(self.lst[0](self.aa(x)))

    model = M()
    model(np.zeros((2, 4), "float32"))
    # The paths real Keras 3.15 writes for this model (checked with keras.Model.save).
    assert [p for p, o in walk(model) if own_variables(o)] == ["aa", "layers/dense", "layers/dense_2"]


@pytest.mark.parametrize("kind", ["dict", "list", "tuple"])
def test_layers_in_nested_containers_are_saved(kind, tmp_path):
    @keras.saving.register_keras_serializable(package=f"test_nested_{kind}_tk")
    class Nested(keras.Model):
        def __init__(self, **kw):
            super().__init__(**kw)
            inner1 = [layers.Dense(8), layers.Dense(8)]
            inner2 = [layers.Dense(8)]
            if kind == "dict":
                self.blocks = {"a": inner1, "b": inner2}
            elif kind == "list":
                self.blocks = [inner1, inner2]
            else:
                self.blocks = (tuple(inner1), tuple(inner2))
            self.out_layer = layers.Dense(2)

        def _blocks(self):
            return list(self.blocks.values()) if isinstance(self.blocks, dict) else list(self.blocks)

        def call(self, x):
            for block in self._blocks():
                for layer in block:
                    x = layer(x)
            return self.out_layer(x)

    model = Nested()
    x = np.random.rand(2, 4).astype("float32")
    model(x)
    paths = [p for p, _ in walk(model)]
    assert "blocks/container/dense" in paths and "blocks/container_1/dense" in paths
    for i, layer in enumerate(l for b in model._blocks() for l in b):
        layer.kernel.assign(np.full(tuple(layer.kernel.shape), float(i + 1), "float32"))
    path = str(tmp_path / "m.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    for i, layer in enumerate(l for b in restored._blocks() for l in b):
        np.testing.assert_array_equal(np.asarray(layer.kernel), np.full(tuple(layer.kernel.shape), float(i + 1)))


def _small():
    return keras.Sequential([keras.Input((3,)), layers.Dense(2)])


def test_save_format_argument_is_refused_for_other_extensions():
    with pytest.raises(ValueError, match="`save_format` argument is deprecated"):
        keras.saving.save_model(_small(), "model.txt", save_format=True)


def test_unsupported_extensions_are_named():
    with pytest.raises(ValueError, match="File format not supported"):
        keras.saving.load_model("model.pkl")
    with pytest.raises(ValueError, match="File format not supported"):
        _small().load_weights("weights.pkl")
    with pytest.raises(ValueError, match="File not found"):
        keras.saving.load_model("missing.keras")


def test_weights_file_with_a_soft_link_is_refused(tmp_path):
    path = str(tmp_path / "soft.h5")
    with h5py.File(path, "w") as f:
        real = f.create_group("real_weights")
        real.create_dataset("inner", data=np.zeros((1,)))
        f["model_weights"] = h5py.SoftLink("/real_weights")
    with pytest.raises(ValueError, match="SoftLink"):
        _small().load_weights(path)


def test_a_type_error_while_rebuilding_stays_a_type_error(tmp_path):
    @keras.saving.register_keras_serializable(package="tk_complex")
    class Holder(layers.Layer):
        def __init__(self, inner=None, **kw):
            super().__init__(**kw)
            self.inner = inner if inner is not None else layers.Dense(2)

        def get_config(self):
            return {**super().get_config(), "inner": self.inner}

        def call(self, x):
            return self.inner(x)

    x = keras.Input((3,))
    model = keras.Model(x, Holder()(x))
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.raises(TypeError, match="explicitly deserialized"):
        keras.saving.load_model(path)


def test_a_container_holding_itself_saves(tmp_path):
    @keras.saving.register_keras_serializable(package="tk_cyclic")
    class Cyclic(keras.Model):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.blocks = []
            self.blocks.append(self.blocks)
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(x)

    model = Cyclic()
    x = np.random.rand(2, 4).astype("float32")
    ref = np.asarray(model(x).detach())
    path = str(tmp_path / "c.keras")
    model.save(path)
    np.testing.assert_allclose(np.asarray(keras.saving.load_model(path)(x).detach()), ref, rtol=1e-6)


def test_objects_to_skip_leaves_those_layers_alone(tmp_path):
    def build():
        return keras.Sequential([keras.Input((3,)), layers.Dense(5), layers.Dense(5)])

    src, dst = build(), build()
    before = [np.asarray(w).copy() for w in dst.layers[0].get_weights()]
    path = str(tmp_path / "w.weights.h5")
    src.save_weights(path, objects_to_skip=[src.layers[0]])
    dst.load_weights(path, objects_to_skip=[dst.layers[0]])
    for got, want in zip(dst.layers[0].get_weights(), before):
        np.testing.assert_array_equal(np.asarray(got), want)
    for got, want in zip(dst.layers[1].get_weights(), src.layers[1].get_weights()):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    with pytest.raises(ValueError, match="only supports loading '.weights.h5' files"):
        dst.load_weights(str(tmp_path / "m.keras"), objects_to_skip=[])
    with pytest.raises(ValueError, match="only supports loading legacy '.h5' or '.hdf5' files"):
        dst.load_weights(path, by_name=True)
