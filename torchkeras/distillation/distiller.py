"""Keras 3's `Distiller`: a Model that trains a student on labels and on a frozen teacher."""

import warnings

from torchkeras import metrics as metrics_module
from torchkeras import ops, tree
from torchkeras.distillation.distillation_loss import _convert_loss_to_function
from torchkeras.models.functional import Functional
from torchkeras.models.model import Model
from torchkeras.models.sequential import Sequential
from torchkeras.utils import serialization as _ser


def _symbolic(model, attr):
    """A model's symbolic `inputs`/`outputs`, or None for a subclassed model."""
    return getattr(model, attr, None)


class Distiller(Model):
    """Knowledge distillation: the student learns from labels and from the teacher's outputs.

    Args:
        teacher: a trained `keras.Model`; it is frozen (`trainable=False`).
        student: the `keras.Model` to train.
        distillation_losses: a distillation loss or a list of them (`LogitsDistillation`,
            `FeatureDistillation` or custom `DistillationLoss` subclasses).
        distillation_loss_weights: one weight per distillation loss (`None`: all 1.0).
        student_loss_weight: weight in [0, 1] of the supervised loss; the distillation losses
            get `1 - student_loss_weight`. Defaults to 0.5.
        name: defaults to `"distiller"`.
    """

    def __init__(self, teacher, student, distillation_losses, distillation_loss_weights=None,
                 student_loss_weight=0.5, name="distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        self._validate_models(teacher, student)
        self.teacher = teacher
        self.student = student

        if isinstance(student_loss_weight, bool) or not isinstance(student_loss_weight,
                                                                   (int, float)):
            raise ValueError(f"student_loss_weight must be a number, got "
                             f"{type(student_loss_weight)}")
        if student_loss_weight < 0.0 or student_loss_weight > 1.0:
            raise ValueError(f"student_loss_weight must be between 0.0 and 1.0, got "
                             f"{student_loss_weight}")
        self.student_loss_weight = student_loss_weight

        if distillation_losses is None:
            raise ValueError("'distillation_losses' cannot be `None`. Provide a distillation "
                             "loss (e.g., LogitsDistillation or FeatureDistillation) or a list "
                             "of distillation losses.")
        if not isinstance(distillation_losses, (list, tuple)):
            self.distillation_losses = [distillation_losses]
            self.distillation_loss_weights = [1.0]
        else:
            self.distillation_losses = distillation_losses
            if distillation_loss_weights is None:
                self.distillation_loss_weights = [1.0] * len(distillation_losses)
            elif len(distillation_loss_weights) != len(distillation_losses):
                raise ValueError(
                    f"Number of distillation_loss_weights ({len(distillation_loss_weights)}) "
                    f"must match number of distillation_losses ({len(distillation_losses)})")
            else:
                self.distillation_loss_weights = distillation_loss_weights

        for distillation_loss in self.distillation_losses:
            distillation_loss.validate_model_compatibility(teacher, student)
        self._create_multi_feature_extractors()

        self.teacher.trainable = False
        self.student_loss_tracker = metrics_module.Mean(name="student_loss")
        self.distillation_loss_tracker = metrics_module.Mean(name="distillation_loss")
        self.total_loss_tracker = metrics_module.Mean(name="total_loss")

    # -- validation ----------------------------------------------------------------------------
    def _validate_models(self, teacher, student):
        if not isinstance(teacher, Model):
            raise ValueError(f"Teacher must be a keras.Model, got {type(teacher)}")
        if not isinstance(student, Model):
            raise ValueError(f"Student must be a keras.Model, got {type(student)}")
        for attr, context in (("inputs", "input"), ("outputs", "output")):
            t, s = _symbolic(teacher, attr), _symbolic(student, attr)
            if t is None or s is None:
                continue
            tree.map_structure(
                lambda a, b, c=context: self._assert_shapes_are_compatible(a.shape, b.shape, c),
                t, s)
        for attr, context in (("inputs", "input"), ("outputs", "output")):
            t, s = _symbolic(teacher, attr), _symbolic(student, attr)
            if t is None or s is None:
                return
            tree.map_structure(
                lambda a, b, c=context: self._assert_same_dtype(a.dtype, b.dtype, c), t, s)

    def _assert_shapes_are_compatible(self, shape1, shape2, context):
        if len(shape1) != len(shape2):
            raise ValueError(f"Teacher and student {context} shapes have different dimensions. "
                             f"Teacher: {shape1}, Student: {shape2}.")
        for dim1, dim2 in zip(shape1, shape2):
            if dim1 is not None and dim2 is not None and dim1 != dim2:
                raise ValueError(f"Teacher and student {context} shapes are incompatible. "
                                 f"Teacher: {shape1}, Student: {shape2}. All dimensions must "
                                 "match.")

    def _assert_same_dtype(self, teacher_dtype, student_dtype, context):
        if teacher_dtype != student_dtype:
            raise ValueError(f"Teacher and student {context} dtypes must match. "
                             f"Teacher: {teacher_dtype}, Student: {student_dtype}.")

    # -- feature extraction --------------------------------------------------------------------
    def _create_multi_feature_extractors(self):
        teacher_names, student_names = [], []
        for loss in self.distillation_losses:
            for attr, names in (("teacher_layer_name", teacher_names),
                                ("student_layer_name", student_names)):
                name = getattr(loss, attr, None)
                if name and name not in names:
                    names.append(name)
        # Stored outside torch's module registry: the extractors share the teacher's and
        # student's layers and must not duplicate their weights in the distiller's state.
        self.__dict__["_teacher_feature_extractor"] = self._create_feature_extractor(
            self.teacher, teacher_names)
        self.__dict__["_student_feature_extractor"] = self._create_feature_extractor(
            self.student, student_names)

    def _create_feature_extractor(self, model, layer_names):
        if not layer_names:
            return None
        if _symbolic(model, "inputs") is None:
            raise ValueError(f"Cannot create feature extractor for {model.name}. The model has "
                             "no symbolic inputs attribute.")
        final = model.layers[-1].output if isinstance(model, Sequential) else model.output
        outputs = {"final_output": final}
        for layer_name in layer_names:
            outputs[layer_name] = model.get_layer(name=layer_name).output
        return Functional(inputs=model.inputs, outputs=outputs,
                          name=f"{model.name}_multi_feature_extractor")

    def _extract_all_teacher_features(self, x):
        if self._teacher_feature_extractor is not None:
            return self._teacher_feature_extractor(x, training=False)
        return {"final_output": self.teacher(x, training=False)}

    def _extract_all_student_features(self, x, y_pred):
        if self._student_feature_extractor is not None:
            return self._student_feature_extractor(x, training=True)
        return {"final_output": y_pred}

    def _get_distillation_loss_features(self, distillation_loss, all_features, is_teacher):
        layer_name = (distillation_loss.teacher_layer_name if is_teacher
                      else distillation_loss.student_layer_name) or "final_output"
        if layer_name not in all_features:
            raise ValueError(f"Layer '{layer_name}' not found in extracted features. "
                             f"Available: {list(all_features.keys())}")
        return all_features[layer_name]

    # -- training ------------------------------------------------------------------------------
    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """`loss` is the student's supervised loss (required); the distillation losses come from
        the constructor."""
        if loss is None:
            raise ValueError("'loss' cannot be `None`.")
        self._student_loss = tree.map_structure(_convert_loss_to_function, loss)
        self._student_loss_for_serialization = loss
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(f"metrics must be a list or tuple, got {type(metrics)}")
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)

    def compile_from_config(self, config):
        # As Keras does for every model whose compile() is overridden: the saved config holds
        # loss=None (the student loss is not part of it), so loading leaves the model uncompiled.
        warnings.warn(
            "`compile()` was not called as part of model loading because the model's "
            "`compile()` method is custom. All subclassed Models that have `compile()` "
            "overridden should also override `get_compile_config()` and "
            "`compile_from_config(config)`. Alternatively, you can call `compile()` manually "
            "after loading.", stacklevel=2)

    def call(self, inputs, training=None, **kwargs):
        return self.student(inputs, training=training, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y_pred is None:
            y_pred = self(x, training=training)
        student_loss = 0.0
        if self.student_loss_weight > 0.0 and y is not None:
            flat = tree.flatten(tree.map_structure(lambda fn, o, p: fn(o, p),
                                                   self._student_loss, y, y_pred))
            student_loss = ops.sum(ops.stack(flat)) if len(flat) > 1 else flat[0]
            if len(getattr(student_loss, "shape", ())) > 0:
                student_loss = ops.mean(student_loss)

        distillation_loss = 0.0
        if self.student_loss_weight < 1.0:
            teacher_features = self._extract_all_teacher_features(x)
            student_features = self._extract_all_student_features(x, y_pred)
            for loss_fn, weight in zip(self.distillation_losses, self.distillation_loss_weights):
                teacher_out, student_out = self._loss_inputs(
                    loss_fn, teacher_features, student_features, y_pred)
                loss_fn.validate_outputs(teacher_out, student_out)
                current = loss_fn.compute_loss(teacher_out, student_out)
                if len(getattr(current, "shape", ())) > 0:
                    raise ValueError(
                        f"Distillation loss {loss_fn.__class__.__name__} returned a non-scalar "
                        f"loss with shape {current.shape}. The compute_loss method must return "
                        "a scalar tensor.")
                distillation_loss = ops.add(distillation_loss, ops.multiply(weight, current))

        total_loss = ops.add(ops.multiply(self.student_loss_weight, student_loss),
                             ops.multiply(1.0 - self.student_loss_weight, distillation_loss))
        self.student_loss_tracker.update_state(student_loss)
        self.distillation_loss_tracker.update_state(distillation_loss)
        self.total_loss_tracker.update_state(total_loss)
        return total_loss

    def _loss_inputs(self, loss_fn, teacher_features, student_features, y_pred):
        if getattr(loss_fn, "teacher_layer_name", None) is None:
            return teacher_features["final_output"], y_pred
        try:
            return (self._get_distillation_loss_features(loss_fn, teacher_features, True),
                    self._get_distillation_loss_features(loss_fn, student_features, False))
        except ValueError as e:
            raise RuntimeError(
                f"Failed to extract features for {type(loss_fn).__name__} targeting teacher "
                f"layer '{loss_fn.teacher_layer_name}' and student layer "
                f"'{loss_fn.student_layer_name}'. Original error: {e}") from e

    def reset_metrics(self):
        super().reset_metrics()
        self.student_loss_tracker.reset_state()
        self.distillation_loss_tracker.reset_state()
        self.total_loss_tracker.reset_state()

    # -- serialization -------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "teacher": _ser.serialize_keras_object(self.teacher),
            "student": _ser.serialize_keras_object(self.student),
            "distillation_losses": [_ser.serialize_keras_object(loss)
                                    for loss in self.distillation_losses],
            "distillation_loss_weights": self.distillation_loss_weights,
            "student_loss_weight": self.student_loss_weight,
        })
        return config

    @classmethod
    def from_config(cls, config):
        from torchkeras.saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        config["teacher"] = deserialize_keras_object(config["teacher"])
        config["student"] = deserialize_keras_object(config["student"])
        config["distillation_losses"] = [deserialize_keras_object(loss)
                                         for loss in config["distillation_losses"]]
        return cls(**config)
