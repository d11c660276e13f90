"""torchkeras.metrics: Keras 3 metrics with state kept as torch tensors on the data's device.

Training loops: resolve compile entries with `get(identifier, y_true, y_pred)` (== `get_metric`),
track losses with `get_loss_tracker(output_name)`, and build History keys with `result_keys`
(rules in compile_utils.py's docstring)."""

import inspect

from ..losses import ALL_OBJECTS_DICT as _LOSS_OBJECTS
from ..losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from ..losses.loss import to_snake_case
from .accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from .at_thresholds import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from .auc import AUC
from .compile_utils import (
    get_loss_metric_name,
    get_loss_tracker,
    get_metric,
    is_binary_or_sparse_categorical,
    result_keys,
)
from .confusion import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from .correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    R2Score,
    concordance_correlation,
    pearson_correlation,
)
from .f_score import F1Score, FBetaScore
from .iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .metric import Mean, MeanMetricWrapper, Metric, Sum
from .regression import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    RootMeanSquaredError,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error

METRIC_CLASSES = (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    F1Score, FBetaScore,
    IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU,
    R2Score, PearsonCorrelation, ConcordanceCorrelation,
    SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision,
)

# As keras.metrics.get: class names and their snake_case forms, plus short aliases.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in METRIC_CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in METRIC_CLASSES})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})

_BASES = ("Metric", "Mean", "Sum", "MeanMetricWrapper", "metric", "mean", "sum",
          "mean_metric_wrapper")


def _unknown(identifier, allow_loss_names):
    names = sorted(k for k in ALL_OBJECTS_DICT if k not in _BASES)
    names = ["accuracy", "acc"] + names
    if allow_loss_names:
        names += sorted(k for k, v in _LOSS_OBJECTS.items()
                        if not isinstance(v, type) and k not in ALL_OBJECTS_DICT)
    return ValueError(f"Could not interpret metric identifier: {identifier!r}. Expected a metric "
                      f"name, a Metric class or instance, or a function fn(y_true, y_pred). "
                      f"Valid names: {', '.join(names)}.")


def serialize(metric):
    if isinstance(metric, Metric):
        return {"module": "keras.metrics", "class_name": metric.__class__.__name__,
                "config": metric.get_config(), "registered_name": None}
    from ..losses import serialize as _ser

    return _ser(metric)


def deserialize(config, custom_objects=None):
    objects = dict(ALL_OBJECTS_DICT)
    objects.update(custom_objects or {})
    if isinstance(config, str):
        if config not in objects:
            raise _unknown(config, False)
        return objects[config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not deserialize metric config {config!r}: expected a dict with "
                         "'class_name' and 'config', or a metric name.")
    if config["class_name"] == "function":
        from ..losses import deserialize as _de

        return _de(config, custom_objects)
    if config["class_name"] not in objects:
        raise _unknown(config["class_name"], False)
    return objects[config["class_name"]].from_config(config.get("config", {}))


def get(identifier, y_true=None, y_pred=None, allow_loss_names=False):
    """Resolve a metric identifier.

    Without y_true/y_pred: as keras.metrics.get (a name gives an instance with its default name).
    With y_true and y_pred (the first batch): as Keras's compile does (see `get_metric`): the
    metric is named by the string, "accuracy"/"acc" pick the accuracy kind from the shapes, and
    any loss-function name (e.g. "huber", "kld", "binary_focal_crossentropy") also works."""
    if y_true is not None and y_pred is not None:
        return get_metric(identifier, y_true, y_pred)
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None and allow_loss_names:
            loss_obj = _LOSS_OBJECTS.get(identifier)
            obj = loss_obj if loss_obj is not None and not isinstance(loss_obj, type) else None
        if obj is None:
            raise _unknown(identifier, allow_loss_names)
    else:
        obj = identifier
    if not callable(obj):
        raise _unknown(identifier, allow_loss_names)
    return obj() if inspect.isclass(obj) else obj


__all__ = [k for k in list(globals()) if not k.startswith("_") and k != "inspect"]
