"""How compile(metrics=[...]) strings become metric objects and History keys (Keras 3.15 rules).

Naming rules (checked against tf.keras 3.15, see conformance/tests/test_losses_metrics_conformance):
- a string identifier names the metric exactly as written: "acc" -> "acc", "mae" -> "mae",
  "mean_squared_error" -> "mean_squared_error", "AUC" -> "AUC";
- a Metric instance keeps its own name; a Metric class is instantiated (default name);
- a plain function fn(y_true, y_pred) is wrapped in MeanMetricWrapper named snake_case(fn.__name__);
- the loss tracker is "loss"; with several outputs each output's loss is "<output>_loss" and each
  metric "<output>_<name>";
- repeated names get "_1", "_2", ... (weighted_metrics first try "weighted_<name>");
- validation keys are "val_" + key.
"""

from .. import losses as losses_module
from ..losses.loss import get_object_name
from .accuracy import BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy
from .metric import MeanMetricWrapper, Metric


def is_binary_or_sparse_categorical(y_true, y_pred):
    t_shape, p_shape = tuple(y_true.shape), tuple(y_pred.shape)
    is_binary = p_shape[-1] == 1
    is_sparse = len(t_shape) < len(p_shape) or (t_shape[-1] == 1 and p_shape[-1] > 1)
    return is_binary, is_sparse


def get_metric(identifier, y_true=None, y_pred=None):
    """Resolve one compile(metrics=...) entry into a Metric named as Keras names it.

    "accuracy"/"acc" (any case) need the first batch's y_true and y_pred to choose binary,
    sparse categorical or categorical accuracy."""
    from . import get as plain_get

    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if str(identifier).lower() in ("accuracy", "acc"):
        if y_true is None or y_pred is None:
            raise ValueError(f"metrics=[{identifier!r}] is resolved from the data: pass the first "
                             "batch's y_true and y_pred.")
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        cls = (BinaryAccuracy if is_binary else SparseCategoricalAccuracy if is_sparse
               else CategoricalAccuracy)
        metric_obj = cls(name=str(identifier))
    else:
        metric_obj = plain_get(identifier, allow_loss_names=True)
    name = identifier if isinstance(identifier, str) else get_object_name(metric_obj)
    if not isinstance(metric_obj, Metric):
        metric_obj = MeanMetricWrapper(metric_obj, name=name)
    metric_obj.name = name
    return metric_obj


def get_loss_metric_name(output_name=None):
    """Name of the Mean tracking a loss: "loss" overall, "<output>_loss" per output."""
    return "loss" if output_name is None else f"{output_name}_loss"


def get_loss_tracker(output_name=None):
    from .metric import Mean

    return Mean(name=get_loss_metric_name(output_name))


def result_keys(metrics, weighted_metrics=()):
    """History keys for compiled metrics, in order: metrics then weighted_metrics.

    Each argument is a list of (output_name_or_None, metric) pairs; output_name is None for a
    single-output model. Returns the keys in the same order as the pairs."""
    keys, seen = [], {}
    for output_name, m in metrics:
        name = f"{output_name}_{m.name}" if output_name else m.name
        if name not in seen:
            seen[name] = 1
        else:
            idx = seen[name]
            seen[name] += 1
            name = f"{name}_{idx}"
        keys.append(name)
    for output_name, m in weighted_metrics:
        name = f"{output_name}_{m.name}" if output_name else m.name
        if name not in seen:
            seen[name] = 1
        else:
            name = f"weighted_{m.name}"
            if output_name:
                name = f"{output_name}_{name}"
            if name not in seen:
                seen[name] = 1
            else:
                idx = seen[name]
                seen[name] += 1
                name = f"{name}_{idx}"
        keys.append(name)
    return keys


def loss_function_names():
    return sorted(k for k, v in losses_module.ALL_OBJECTS_DICT.items()
                  if not isinstance(v, type))
