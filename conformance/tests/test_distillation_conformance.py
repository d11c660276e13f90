"""keras.distillation losses against real tf.keras 3.15 on the same inputs.

Imports torch first, then keras (TF backend). Tolerance atol 1e-6, rtol 1e-5."""

# torch must be imported before tensorflow: keep this order
import torch  # noqa: I001
import numpy as np
import pytest
import keras

import torchkeras

ATOL, RTOL = 1e-6, 1e-5


def data(seed, shape=(8, 6), scale=3.0):
    r = np.random.default_rng(seed)
    return (r.normal(size=shape) * scale).astype("float32")


def close(ours, ref):
    ours = ours.detach().cpu().numpy() if isinstance(ours, torch.Tensor) else np.asarray(ours)
    np.testing.assert_allclose(ours, np.asarray(ref), atol=ATOL, rtol=RTOL)


def both(kind, make_loss):
    """The same loss spec built in both libraries (`make_loss(module)` -> loss argument)."""
    ref = getattr(keras.distillation, kind)
    ours = getattr(torchkeras.distillation, kind)
    return ours, ref, make_loss(torchkeras), make_loss(keras)


LOGITS_CASES = {
    "default_kl_function": lambda m: "kl_divergence",
    "kl_instance": lambda m: m.losses.KLDivergence(),
    "categorical_crossentropy": lambda m: "categorical_crossentropy",
    "cce_from_logits": lambda m: m.losses.CategoricalCrossentropy(from_logits=True),
    "mse": lambda m: "mse",
}


@pytest.mark.parametrize("temperature", [1.0, 3.0, 7])
@pytest.mark.parametrize("case", sorted(LOGITS_CASES))
def test_logits_distillation(case, temperature):
    ours_cls, ref_cls, ours_loss, ref_loss = both("LogitsDistillation", LOGITS_CASES[case])
    t, s = data(0), data(1)
    ours = ours_cls(temperature=temperature, loss=ours_loss).compute_loss(t, s)
    ref = ref_cls(temperature=temperature, loss=ref_loss).compute_loss(t, s)
    close(ours, ref)


def test_logits_distillation_multi_output():
    t, s = [data(0), data(2, (8, 4))], [data(1), data(3, (8, 4))]
    spec = lambda m: [m.losses.KLDivergence(), None]  # noqa: E731
    close(torchkeras.distillation.LogitsDistillation(2.0, spec(torchkeras)).compute_loss(t, s),
          keras.distillation.LogitsDistillation(2.0, spec(keras)).compute_loss(t, s))


FEATURE_CASES = {
    "mse": lambda m: "mse",
    "mae": lambda m: "mae",
    "cosine_similarity": lambda m: "cosine_similarity",
    "huber_instance": lambda m: m.losses.Huber(delta=0.5),
    "dict_with_none": lambda m: {"a": "mse", "b": None, "c": "mae"},
}


@pytest.mark.parametrize("case", sorted(FEATURE_CASES))
def test_feature_distillation(case):
    ours_cls, ref_cls, ours_loss, ref_loss = both("FeatureDistillation", FEATURE_CASES[case])
    if case.startswith("dict"):
        t = {"a": data(0), "b": data(1), "c": data(2, (8, 3, 2))}
        s = {"a": data(3), "b": data(4), "c": data(5, (8, 3, 2))}
    else:
        t, s = data(0, (4, 5, 6)), data(1, (4, 5, 6))
    close(ours_cls(loss=ours_loss).compute_loss(t, s), ref_cls(loss=ref_loss).compute_loss(t, s))


@pytest.mark.parametrize("kind, kwargs", [
    ("LogitsDistillation", {"temperature": 2.5}),
    ("LogitsDistillation", {"loss": "categorical_crossentropy"}),
    ("FeatureDistillation", {"loss": "mae", "teacher_layer_name": "a",
                             "student_layer_name": "b"}),
    ("FeatureDistillation", {}),
])
def test_get_config_matches(kind, kwargs):
    ours = getattr(torchkeras.distillation, kind)(**kwargs).get_config()
    ref = getattr(keras.distillation, kind)(**kwargs).get_config()
    assert ours == ref
