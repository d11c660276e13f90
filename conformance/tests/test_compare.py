"""conformance.compare on a user's model: a match, a located divergence, and layer-by-layer copying."""

import numpy as np
import torch  # noqa: F401  (torch before tensorflow)

import torchkeras
from conformance import compare, reference


def _mlp(k):
    return k.Sequential([k.Input((6,)), k.layers.Dense(5, activation="relu", name="d1"),
                         k.layers.Dense(4, activation="tanh", name="d2"), k.layers.Dense(3, name="d3")])


def _x():
    return np.random.default_rng(0).standard_normal((4, 6)).astype("float32")


def test_copied_weights_match():
    keras = reference.load()
    km, tm = _mlp(keras), _mlp(torchkeras)
    result = compare(km, tm, _x(), copy_weights=True)
    assert result.passed, result.message
    assert result.max_abs_error < 1e-6


def test_divergence_names_the_first_layer():
    keras = reference.load()
    km, tm = _mlp(keras), _mlp(torchkeras)
    compare(km, tm, _x(), copy_weights=True).raise_if_failed()
    w = tm.layers[1].get_weights()
    tm.layers[1].set_weights([w[0] + 1e-3, w[1]])      # perturb d2 only: d1 still matches
    result = compare(km, tm, _x())
    assert not result.passed
    assert result.first_divergent_layer is not None and result.first_divergent_layer.startswith("d2")
    assert "d2" in result.message
    assert [row[2] for row in result.layer_errors] == [True, False, False]


def test_functional_multi_input():
    keras = reference.load()

    def build(k):
        a, b = k.Input((3,)), k.Input((3,))
        h = k.layers.Concatenate()([k.layers.Dense(2)(a), b])
        return k.Model([a, b], k.layers.Dense(2)(h))

    km, tm = build(keras), build(torchkeras)
    x = [_x()[:, :3], _x()[:, 3:]]
    assert compare(km, tm, x, copy_weights=True).passed
