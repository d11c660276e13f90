"""Public-API semantics, run side by side: the same code on tf.keras 3.15 and on torchkeras.

Each builder takes `K` (keras or torchkeras) and returns plain Python/numpy values that must agree:
summary text, history keys and values with a last partial batch, output dtypes on integer inputs.

Imports torch first, then keras (TF backend) through conformance.reference.
"""

import numpy as np
import torch  # noqa: F401, I001  (torch must be imported before tensorflow)

from conformance.reference import load

keras = load()

import torchkeras  # noqa: E402


def _set(m, seed=0):
    rs = np.random.RandomState(seed)
    m.set_weights([rs.uniform(-0.5, 0.5, w.shape).astype("float32") for w in m.get_weights()])


def _summary_lines(K):
    K.backend.clear_session()
    m = K.Sequential([K.Input((784,)), K.layers.Dense(32, activation="relu"),
                      K.layers.Dropout(0.2), K.layers.Dense(10, activation="softmax")])
    out = []
    m.summary(print_fn=out.append)
    m.compile("adam", "mse")
    m.fit(np.ones((2, 784)), np.ones((2, 10)), verbose=0)
    m.summary(print_fn=out.append)
    return "".join(out).splitlines()


def test_summary_text_matches_line_by_line():
    assert _summary_lines(torchkeras) == _summary_lines(keras)


def _multi_output_history(K):
    a = K.Input((4,))
    h = K.layers.Dense(5, activation="tanh")(a)
    m = K.Model(a, [K.layers.Dense(1, name="y1")(h), K.layers.Dense(2, activation="softmax", name="y2")(h)])
    _set(m)
    m.compile("sgd", ["mse", "categorical_crossentropy"], metrics=[["mae"], ["accuracy"]])
    rs = np.random.RandomState(1)
    x = rs.rand(5, 4).astype("float32")
    ys = [rs.rand(5, 1).astype("float32"), np.tile([[0.0, 1.0]], (5, 1)).astype("float32")]
    hist = m.fit(x, ys, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    ev = m.evaluate(x, ys, batch_size=2, verbose=0, return_dict=True)
    return hist, ev


def test_multi_output_history_with_partial_batch():
    ours, ref = _multi_output_history(torchkeras), _multi_output_history(keras)
    assert sorted(ours[0]) == sorted(ref[0]) and sorted(ours[1]) == sorted(ref[1])
    for k in ref[0]:
        np.testing.assert_allclose(ours[0][k], ref[0][k], rtol=1e-4, atol=1e-6, err_msg=k)
    for k in ref[1]:
        np.testing.assert_allclose(ours[1][k], ref[1][k], rtol=1e-4, atol=1e-6, err_msg=k)


def _int_inputs(K):
    out = {}
    xi = np.ones((2, 4, 3), "int32")
    for name, layer, x in [("dense", K.layers.Dense(2), xi[:, 0]), ("lstm", K.layers.LSTM(2), xi),
                           ("gru", K.layers.GRU(2), xi), ("gap1d", K.layers.GlobalAveragePooling1D(), xi),
                           ("td", K.layers.TimeDistributed(K.layers.Dense(2)), xi)]:
        y = K.ops.convert_to_numpy(layer(x))
        out[name] = (y.shape, str(y.dtype))
    return out


def test_integer_inputs_promote_to_float32():
    assert _int_inputs(torchkeras) == _int_inputs(keras)


def _embedding_adam(K):
    m = K.Sequential([K.Input((2,), dtype="int32"), K.layers.Embedding(3, 1), K.layers.Flatten(),
                      K.layers.Dense(1, use_bias=False, trainable=False)])
    m.set_weights([np.zeros((3, 1), "float32"), np.ones((2, 1), "float32")])
    m.compile(K.optimizers.Adam(0.1), "mae")
    m.fit(np.array([[1, 1]]), np.array([[5.0]]), epochs=1, verbose=0)
    return m.get_weights()[0]


def test_embedding_adam_step_with_repeated_ids():
    np.testing.assert_allclose(_embedding_adam(torchkeras), _embedding_adam(keras), rtol=1e-5, atol=1e-7)


def _recorded_training_node(K):
    """Where a functional node recorded with `Dropout(...)(h, training=True)` drops units."""
    x = K.Input((50,))
    y = K.layers.Dropout(0.5)(K.layers.Dense(50, kernel_initializer="ones")(x), training=True)
    model = K.Model(x, y)
    d = np.ones((4, 50), "float32")
    outer = K.Sequential([model])
    dropped = lambda out: bool((K.ops.convert_to_numpy(out) == 0).any())  # noqa: E731
    model.compile("sgd", "mse")
    return {"call": dropped(model(d)), "call_training_false": dropped(model(d, training=False)),
            "predict": dropped(model.predict(d, verbose=0)),
            "evaluate_is_deterministic": abs(model.evaluate(d, np.full((4, 50), 50.0, "float32"),
                                                            verbose=0)) < 1e-6,
            "nested_call": dropped(outer(d)), "nested_predict": dropped(outer.predict(d, verbose=0))}


def test_recorded_training_flag_yields_to_an_explicit_one():
    assert _recorded_training_node(torchkeras) == _recorded_training_node(keras)


def _float64_layers(K):
    """Layers with dtype="float64" on float32 inputs: variable dtypes, output dtypes and values."""
    K.backend.clear_session()
    rs = np.random.RandomState(3)
    out = {}
    for name, layer, x in (
            ("dense", K.layers.Dense(3, activation="tanh", dtype="float64"), rs.rand(2, 4)),
            ("conv", K.layers.Conv2D(2, 3, activation="relu", dtype="float64"), rs.rand(1, 5, 5, 2)),
            ("lstm", K.layers.LSTM(3, dtype="float64"), rs.rand(2, 4, 2)),
            ("bn", K.layers.BatchNormalization(dtype="float64"), rs.rand(3, 4))):
        x = x.astype("float32")
        layer.build(x.shape)
        _set(layer, 7)
        y = layer(x)
        out[name] = ([str(w.dtype).replace("torch.", "").replace("<dtype: '", "").rstrip("'>")
                      for w in layer.weights], str(y.dtype).split(".")[-1].replace("<dtype: '", "").rstrip("'>"),
                     K.ops.convert_to_numpy(y))
    return out


def test_float64_policy_layers_make_float64_weights_and_outputs():
    ours, ref = _float64_layers(torchkeras), _float64_layers(keras)
    for name in ref:
        assert ours[name][0] == ref[name][0], name
        assert ours[name][1] == ref[name][1] == "float64", name
        np.testing.assert_allclose(ours[name][2], ref[name][2], rtol=1e-6, atol=1e-8, err_msg=name)
