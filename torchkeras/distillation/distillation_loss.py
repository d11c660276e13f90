"""Keras 3's distillation losses: how a teacher's outputs are compared with a student's."""

from torchkeras import losses as losses_module
from torchkeras import ops, tree
from torchkeras.utils import serialization as _ser


def _convert_loss_to_function(loss_item):
    """A loss name becomes what `keras.losses.get` returns (for "kl_divergence": the function,
    not a `KLDivergence` instance, which matters for LogitsDistillation as in Keras)."""
    if loss_item is None:
        return None
    if isinstance(loss_item, str):
        loss_fn = losses_module.get(loss_item)
        if loss_fn is None:
            raise ValueError(f"Unknown loss function: '{loss_item}'.")
        return loss_fn
    return loss_item


def _sum_losses(loss_values):
    flat = [ops.convert_to_tensor(v, dtype="float32") for v in tree.flatten(loss_values)]
    return ops.sum(ops.stack(flat))


class DistillationLoss:
    """Base class for distillation losses; subclasses override `compute_loss`."""

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        raise NotImplementedError("Subclasses must implement compute_loss")

    def validate_outputs(self, teacher_outputs, student_outputs):
        tree.assert_same_structure(teacher_outputs, student_outputs)

    def validate_model_compatibility(self, teacher, student):
        pass


def _is_subclassed(model):
    return not hasattr(model, "inputs") or model.inputs is None


class FeatureDistillation(DistillationLoss):
    """Matches teacher and student features (final outputs, or the outputs of the named layers).

    Args:
        loss: a loss name, a loss instance/function, or a nested structure of them matching the
            features (`None` entries skip that output; at least one must be non-`None`).
            Defaults to `"mse"`.
        teacher_layer_name: teacher layer whose output is distilled (`None`: final output).
        student_layer_name: student layer whose output is distilled (`None`: final output).
    """

    def __init__(self, loss="mse", teacher_layer_name=None, student_layer_name=None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = tree.map_structure(_convert_loss_to_function, loss)
        if all(fn is None for fn in tree.flatten(self.loss)):
            raise ValueError("The `loss` argument in `FeatureDistillation` must contain at "
                             "least one non-`None` value.")

    def validate_model_compatibility(self, teacher, student):
        if self.teacher_layer_name is not None or self.student_layer_name is not None:
            subclassed = [role for role, model in (("teacher", teacher), ("student", student))
                          if _is_subclassed(model)]
            if subclassed:
                raise ValueError(
                    "FeatureDistillation with specific layer names requires Functional or "
                    f"Sequential models. The {' and '.join(subclassed)} model(s) appear to be "
                    "subclassed (no symbolic inputs/outputs). Either use Functional/Sequential "
                    "models, or use FeatureDistillation without layer names (to distill final "
                    "outputs only), or use LogitsDistillation instead.")
        for role, model, name in (("teacher", teacher, self.teacher_layer_name),
                                  ("student", student, self.student_layer_name)):
            if name is not None:
                try:
                    model.get_layer(name=name)
                except ValueError as e:
                    raise ValueError(f"In {role} model: {e}") from None

    def validate_outputs(self, teacher_outputs, student_outputs):
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except ValueError as e:
            raise ValueError(
                f"Loss structure mismatch. Loss structure: {self.loss!r}, output structure: "
                f"{tree.map_structure(lambda _: '*', teacher_outputs)!r}. Error: {e}") from None

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        def apply_loss(loss_fn, teacher_features, student_features):
            if loss_fn is None:
                return 0.0
            return ops.mean(loss_fn(teacher_features, student_features))

        return _sum_losses(tree.map_structure(apply_loss, self.loss, teacher_outputs,
                                              student_outputs))

    def get_config(self):
        return {"loss": _ser.serialize_keras_object(self.loss),
                "teacher_layer_name": self.teacher_layer_name,
                "student_layer_name": self.student_layer_name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = _deserialize_loss(config["loss"])
        return cls(**config)


def _deserialize_loss(config):
    if isinstance(config, (list, tuple)):
        return type(config)(_deserialize_loss(c) for c in config)
    if config is None or isinstance(config, str):
        return config
    if isinstance(config, dict) and "class_name" not in config:
        return {k: _deserialize_loss(v) for k, v in config.items()}
    return losses_module.deserialize(config)


class LogitsDistillation(DistillationLoss):
    """Compares temperature-scaled teacher and student logits.

    Both logits are divided by `temperature`; a `keras.losses.KLDivergence` *instance* is applied
    to their softmaxes and scaled by `temperature**2`, any other loss (including the default
    `"kl_divergence"` name, which resolves to the plain function) to the scaled logits.

    Args:
        temperature: positive number. Defaults to 3.0.
        loss: a loss name, a loss instance/function, or a nested structure of them matching the
            model outputs (`None` entries skip that output). Defaults to `"kl_divergence"`.
    """

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = tree.map_structure(_convert_loss_to_function, loss)
        if all(fn is None for fn in tree.flatten(self.loss)):
            raise ValueError("At least one loss must be non-`None`.")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise ValueError(f"temperature must be a number, got {type(temperature)}")
        if temperature <= 0.0:
            raise ValueError(f"temperature must be positive. Received: temperature={temperature}")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        teacher_scaled = tree.map_structure(lambda x: ops.divide(x, self.temperature),
                                            teacher_outputs)
        student_scaled = tree.map_structure(lambda x: ops.divide(x, self.temperature),
                                            student_outputs)

        def apply_loss(loss_fn, teacher_logits, student_logits):
            if loss_fn is None:
                return 0.0
            if isinstance(loss_fn, losses_module.KLDivergence):
                teacher_probs = ops.softmax(teacher_logits, axis=-1)
                student_probs = ops.softmax(student_logits, axis=-1)
                # The T**2 factor keeps gradient magnitudes independent of T (Hinton et al.).
                return ops.mean(loss_fn(teacher_probs, student_probs)) * self.temperature ** 2
            return ops.mean(loss_fn(teacher_logits, student_logits))

        return _sum_losses(tree.map_structure(apply_loss, self.loss, teacher_scaled,
                                              student_scaled))

    def get_config(self):
        return {"temperature": self.temperature,
                "loss": _ser.serialize_keras_object(self.loss)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = _deserialize_loss(config["loss"])
        return cls(**config)
