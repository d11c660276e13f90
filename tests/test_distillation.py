"""keras.distillation: losses (numpy-computed expectations), Distiller validation, training, saving."""

import numpy as np
import pytest

import torchkeras as keras
from torchkeras.distillation import (
    DistillationLoss,
    Distiller,
    FeatureDistillation,
    LogitsDistillation,
)

T = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "float32")
S = np.array([[2.0, 1.0, 4.0], [3.0, 6.0, 2.0]], "float32")


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _kl_fn(y_true, y_pred):  # keras.losses.kl_divergence: clip to [eps, 1], sum over last axis
    y_true, y_pred = np.clip(y_true, 1e-7, 1), np.clip(y_pred, 1e-7, 1)
    return np.sum(y_true * np.log(y_true / y_pred), axis=-1)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_public_names():
    assert keras.distillation.Distiller is Distiller
    assert issubclass(LogitsDistillation, DistillationLoss)
    assert issubclass(FeatureDistillation, DistillationLoss)
    with pytest.raises(NotImplementedError):
        DistillationLoss().compute_loss(T, S)


def test_logits_default_uses_kl_function_on_scaled_logits():
    # "kl_divergence" resolves to the function, so no softmax and no T**2 (Keras 3.15 behaviour).
    loss = LogitsDistillation(temperature=3.0)
    expected = np.mean(_kl_fn(T / 3.0, S / 3.0))
    np.testing.assert_allclose(_np(loss.compute_loss(T, S)), expected, rtol=1e-5)


def test_logits_kl_instance_uses_softmax_and_temperature_squared():
    loss = LogitsDistillation(temperature=2.0, loss=keras.losses.KLDivergence())
    expected = np.mean(_kl_fn(_softmax(T / 2.0), _softmax(S / 2.0))) * 4.0
    np.testing.assert_allclose(_np(loss.compute_loss(T, S)), expected, rtol=1e-5)


def test_logits_multi_output_with_none_entry():
    loss = LogitsDistillation(temperature=1.0, loss=["mse", None])
    value = loss.compute_loss([T, T], [S, S * 10])
    np.testing.assert_allclose(_np(value), np.mean((T - S) ** 2), rtol=1e-6)


def test_feature_losses():
    np.testing.assert_allclose(_np(FeatureDistillation().compute_loss(T, S)),
                               np.mean((T - S) ** 2), rtol=1e-6)
    np.testing.assert_allclose(_np(FeatureDistillation(loss="mae").compute_loss(T, S)),
                               np.mean(np.abs(T - S)), rtol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"temperature": 0.0}, "positive"),
    ({"temperature": -1}, "positive"),
    ({"temperature": "3"}, "must be a number"),
    ({"loss": [None, None]}, "non-`None`"),
    ({"loss": "no_such_loss"}, "no_such_loss"),
])
def test_logits_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LogitsDistillation(**kwargs)


def test_feature_errors_and_structure_validation():
    with pytest.raises(ValueError, match="at least one non-`None`"):
        FeatureDistillation(loss=None)
    loss = FeatureDistillation(loss=["mse", "mae"])
    loss.validate_outputs([T, T], [S, S])
    with pytest.raises(ValueError, match="Loss structure mismatch"):
        loss.validate_outputs(T, S)
    with pytest.raises(ValueError):
        FeatureDistillation().validate_outputs(T, [S, S])


def test_loss_configs_round_trip():
    cfg = LogitsDistillation(temperature=4.0).get_config()
    assert cfg == {"temperature": 4.0, "loss": {"module": "builtins", "class_name": "function",
                                                "config": "kl_divergence",
                                                "registered_name": "function"}}
    assert LogitsDistillation.from_config(cfg).temperature == 4.0
    cfg = FeatureDistillation(loss=keras.losses.MeanAbsoluteError(), teacher_layer_name="a",
                              student_layer_name="b").get_config()
    assert cfg["teacher_layer_name"] == "a" and cfg["student_layer_name"] == "b"
    back = FeatureDistillation.from_config(cfg)
    assert isinstance(back.loss, keras.losses.MeanAbsoluteError)
    np.testing.assert_allclose(_np(back.compute_loss(T, S)), np.mean(np.abs(T - S)), rtol=1e-6)


def _seq(prefix, hidden):
    return keras.Sequential([keras.Input((4,)),
                             keras.layers.Dense(hidden, activation="relu", name=f"{prefix}_1"),
                             keras.layers.Dense(3, name=f"{prefix}_out")])


def test_distiller_validation_errors():
    teacher, student = _seq("t", 8), _seq("s", 8)
    logits = LogitsDistillation()
    with pytest.raises(ValueError, match="Teacher must be a keras.Model"):
        Distiller("x", student, logits)
    with pytest.raises(ValueError, match="between 0.0 and 1.0"):
        Distiller(teacher, student, logits, student_loss_weight=1.5)
    with pytest.raises(ValueError, match="cannot be `None`"):
        Distiller(teacher, student, None)
    with pytest.raises(ValueError, match=r"\(1\) must match"):
        Distiller(teacher, student, [logits, logits], distillation_loss_weights=[1.0])
    with pytest.raises(ValueError, match="shapes are incompatible"):
        Distiller(teacher, keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)]), logits)
    with pytest.raises(ValueError, match="In teacher model"):
        Distiller(teacher, student, FeatureDistillation(teacher_layer_name="nope"))
    d = Distiller(teacher, student, logits)
    assert not teacher.trainable and student.trainable
    with pytest.raises(ValueError, match="'loss' cannot be `None`"):
        d.compile(optimizer="adam")


def test_feature_layer_names_need_functional_models():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(3)

        def call(self, x):
            return self.d(x)

    teacher, student = Sub(), _seq("s", 8)
    with pytest.raises(ValueError, match="teacher model"):
        Distiller(teacher, student, FeatureDistillation(teacher_layer_name="d"))


def test_compute_loss_combines_student_and_distillation_terms():
    teacher, student = _seq("t", 8), _seq("s", 6)
    d = Distiller(teacher, student,
                  [LogitsDistillation(temperature=2.0, loss="mse"),
                   FeatureDistillation(loss="mse", teacher_layer_name="t_out",
                                       student_layer_name="s_out")],
                  distillation_loss_weights=[0.5, 2.0], student_loss_weight=0.25)
    d.compile(optimizer="sgd", loss="mse")
    x = np.random.RandomState(0).rand(5, 4).astype("float32")
    y = np.random.RandomState(1).rand(5, 3).astype("float32")
    t_out, s_out = _np(teacher(x)), _np(student(x))
    total = _np(d.compute_loss(x, y, keras.ops.convert_to_tensor(s_out)))
    student_term = np.mean((y - s_out) ** 2)
    distill_term = 0.5 * np.mean((t_out / 2 - s_out / 2) ** 2) + 2.0 * np.mean((t_out - s_out) ** 2)
    np.testing.assert_allclose(total, 0.25 * student_term + 0.75 * distill_term, rtol=1e-5)
    np.testing.assert_allclose(_np(d.distillation_loss_tracker.result()), distill_term, rtol=1e-5)


def test_fit_trains_student_only_and_save_load(tmp_path):
    teacher, student = _seq("t", 8), _seq("s", 6)
    d = Distiller(teacher, student, LogitsDistillation(temperature=2.0), student_loss_weight=0.7)
    d.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.RandomState(0).rand(16, 4).astype("float32")
    y = np.random.RandomState(1).randint(0, 3, (16,))
    t_before = [w.numpy().copy() for w in teacher.weights]
    s_before = [w.numpy().copy() for w in student.weights]
    history = d.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for key in ("total_loss", "student_loss", "distillation_loss"):
        assert len(history.history[key]) == 2 and np.all(np.isfinite(history.history[key]))
    for a, w in zip(t_before, teacher.weights):
        np.testing.assert_array_equal(a, w.numpy())
    assert any(not np.allclose(a, w.numpy()) for a, w in zip(s_before, student.weights))

    path = str(tmp_path / "d.keras")
    d.save(path)
    with pytest.warns(UserWarning, match="compile"):
        loaded = keras.models.load_model(path)
    assert isinstance(loaded, Distiller) and loaded.student_loss_weight == 0.7
    np.testing.assert_allclose(_np(loaded(x)), _np(d(x)), rtol=1e-5, atol=1e-6)
