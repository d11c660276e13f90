"""compile() arguments from a legacy HDF5 `training_config` (Keras 2 or Keras 3's legacy writer).

Keras 2 stored metrics as `MeanMetricWrapper` configs nested per output, losses with
`reduction="auto"`, and optimizer configs with arguments Keras 3 removed (`decay` aside, which the
optimizers still accept): those are mapped to what Keras 3 accepts.
"""

import inspect

from torchkeras.utils import serialization as _ser

_OPTIMIZER_DROPPED = ("is_legacy_optimizer", "jit_compile")


def _optimizer(config, custom_objects):
    from torchkeras import optimizers

    config = dict(config)
    inner = dict(config.get("config") or {})
    for key in _OPTIMIZER_DROPPED:
        inner.pop(key, None)
    cls = optimizers.ALL_OBJECTS_DICT.get(str(config.get("class_name", "")).split(">")[-1].lower())
    if cls is not None:
        accepted = set(inspect.signature(cls).parameters) | {"lr", "decay", "name"}
        inner = {k: v for k, v in inner.items() if k in accepted}
        config["class_name"] = cls.__name__
    config["config"] = inner
    return optimizers.deserialize(config, custom_objects=custom_objects)


def _loss(value, custom_objects):
    if isinstance(value, dict) and "class_name" in value:
        inner = dict(value.get("config") or {})
        if inner.get("reduction") == "auto":
            inner["reduction"] = "sum_over_batch_size"
        return _ser.deserialize_keras_object({**value, "config": inner}, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: _loss(v, custom_objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_loss(v, custom_objects) for v in value]
    return value


def _metric(value, custom_objects):
    if isinstance(value, list):
        items = [_metric(v, custom_objects) for v in value]
        return items
    if isinstance(value, dict) and "class_name" in value:
        if value["class_name"] == "MeanMetricWrapper":
            inner = value.get("config") or {}
            return inner.get("name") or inner.get("fn")  # compile() resolves the metric by name
        return _ser.deserialize_keras_object(value, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: _metric(v, custom_objects) for k, v in value.items()}
    return value


def _single_output(metrics, model_outputs):
    # Keras 2 nested metrics per output even for one output: [[m1, m2]].
    if isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list) and model_outputs <= 1:
        return metrics[0]
    return metrics


def compile_args_from_training_config(training_config, custom_objects=None, model_outputs=1):
    args = {}
    opt_cfg = training_config.get("optimizer_config")
    if opt_cfg is not None:
        args["optimizer"] = _optimizer(opt_cfg, custom_objects)
    if training_config.get("loss") is not None:
        args["loss"] = _loss(training_config["loss"], custom_objects)
    for key in ("metrics", "weighted_metrics"):
        if training_config.get(key) is not None:
            args[key] = _single_output(_metric(training_config[key], custom_objects), model_outputs)
    if training_config.get("loss_weights") is not None:
        args["loss_weights"] = training_config["loss_weights"]
    return args
