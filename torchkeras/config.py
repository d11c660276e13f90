"""Global Keras settings: floatx, image_data_format, epsilon, layer-name counters and the call context."""

import re
import threading
from collections import defaultdict

_FLOATX = "float32"
_IMAGE_DATA_FORMAT = "channels_last"
_EPSILON = 1e-7
_UIDS = defaultdict(int)


def floatx():
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(
            f"Unknown floatx type: {value!r}. Expected one of 'float16', 'bfloat16', 'float32', 'float64'."
        )
    _FLOATX = value


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = data_format


def epsilon():
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def standardize_data_format(data_format):
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    return data_format


def to_snake_case(name):
    """Keras's rule: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, LSTMCell -> lstm_cell."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def unique_name(prefix):
    """Keras numbering: the first `dense`, then `dense_1`, `dense_2`, ..."""
    n = _UIDS[prefix]
    _UIDS[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


def clear_session():
    _UIDS.clear()


class _CallContext(threading.local):
    """The training flag of the outermost call, seen by layers called inside it (Keras semantics)."""

    def __init__(self):
        self.training = None
        self.depth = 0
        # Whether a model call up the stack was given `training` explicitly (fit/evaluate/predict
        # always are): then a functional node's recorded `training=` yields to it, as in Keras.
        self.explicit_training = False


call_context = _CallContext()


def set_dtype_policy(policy):
    """Keras 3's keras.config.set_dtype_policy (see torchkeras.mixed_precision)."""
    from torchkeras.mixed_precision.policy import set_global_policy

    set_global_policy(policy)


def dtype_policy():
    from torchkeras.mixed_precision.policy import global_policy

    return global_policy()
