"""torchkeras.losses: Keras 3 losses on torch tensors.

`get(identifier)` mirrors `keras.losses.get` (a function name gives the function, a class name an
instance). The training loop should call `get_loss(identifier, y_true, y_pred)`, which also
resolves "crossentropy"/"ce" from the data and always returns a reducing `Loss` instance.
"""

import inspect

from ._utils import EPSILON
from .classes import (
    CTC,
    LOSS_CLASSES,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    CategoricalHinge,
    Circle,
    CosineSimilarity,
    Dice,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    Tversky,
)
from .crossentropy import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    sparse_categorical_crossentropy,
)
from .loss import Loss, LossFunctionWrapper, get_object_name
from .regression import (
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
    squared_hinge,
)
from .special import categorical_generalized_cross_entropy, circle, ctc, dice, tversky

# Keras 2 / legacy short names, importable as in keras.losses
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

LOSS_FUNCTIONS = (
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber, hinge, squared_hinge,
    categorical_hinge, dice, tversky, circle, ctc, categorical_generalized_cross_entropy,
)

ALL_OBJECTS_DICT = {obj.__name__: obj for obj in (Loss, LossFunctionWrapper) + LOSS_CLASSES
                    + LOSS_FUNCTIONS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
})


def _unknown(identifier):
    names = sorted(k for k in ALL_OBJECTS_DICT if k not in ("Loss", "LossFunctionWrapper"))
    return ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Expected a loss name, a Loss class "
        f"or instance, or a callable fn(y_true, y_pred). Valid names: {', '.join(names)}."
    )


def serialize(loss):
    """Keras-style config dict of a Loss instance or a built-in loss function."""
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": loss.__class__.__name__,
                "config": loss.get_config(), "registered_name": None}
    if callable(loss) and hasattr(loss, "__name__"):
        return {"module": "keras.losses", "class_name": "function", "config": loss.__name__,
                "registered_name": "function"}
    raise TypeError(f"Cannot serialize loss {loss!r}: expected a Loss instance or a function.")


def deserialize(config, custom_objects=None):
    objects = dict(ALL_OBJECTS_DICT)
    objects.update(custom_objects or {})
    if isinstance(config, str):
        if config not in objects:
            raise _unknown(config)
        return objects[config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not deserialize loss config {config!r}: expected a dict with "
                         "'class_name' and 'config', or a loss name.")
    class_name, inner = config["class_name"], config.get("config", {})
    if class_name == "function":
        return deserialize(inner, custom_objects)
    if class_name not in objects:
        raise _unknown(class_name)
    cls = objects[class_name]
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)


def get(identifier):
    """Like keras.losses.get: None, a name, a config dict, a class, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            raise _unknown(identifier)
    else:
        obj = identifier
    if not callable(obj):
        raise _unknown(identifier)
    return obj() if inspect.isclass(obj) else obj


def _is_binary_or_sparse(y_true, y_pred):
    t_shape, p_shape = tuple(y_true.shape), tuple(y_pred.shape)
    is_binary = p_shape[-1] == 1
    is_sparse = len(t_shape) < len(p_shape) or (t_shape[-1] == 1 and p_shape[-1] > 1)
    return is_binary, is_sparse


def get_loss(identifier, y_true=None, y_pred=None):
    """Resolve a compile(loss=...) entry into a `Loss` instance, as Keras's compile does.

    "crossentropy"/"ce" picks binary/sparse/categorical crossentropy from the first batch's
    shapes (y_true, y_pred needed then). Functions (built-in names or user callables
    fn(y_true, y_pred)) are wrapped in a LossFunctionWrapper named after the string or function,
    with the sum_over_batch_size reduction."""
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        if y_true is None or y_pred is None:
            raise ValueError(f"loss={identifier!r} is resolved from the data: pass y_true and "
                             "y_pred of the first batch.")
        is_binary, is_sparse = _is_binary_or_sparse(y_true, y_pred)
        obj = (binary_crossentropy if is_binary else sparse_categorical_crossentropy
               if is_sparse else categorical_crossentropy)
    else:
        obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    name = identifier if isinstance(identifier, str) else get_object_name(obj)
    return LossFunctionWrapper(obj, name=name)


__all__ = [k for k in list(globals()) if not k.startswith("_") and k != "inspect"]
