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


# Keras's flash-attention switch: None means "enabled, let the backend decide", False disables it.
_FLASH_ATTENTION = None


def enable_flash_attention():
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = None


def disable_flash_attention():
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = False


def is_flash_attention_enabled():
    """False once disabled; otherwise None (Keras's value for "enabled")."""
    return _FLASH_ATTENTION


# ---------------------------------------------------------------------------- keras.config extras
_SETTINGS = {"interactive_logging": True, "traceback_filtering": True, "max_epochs": None,
             "max_steps_per_epoch": None}


def backend():
    """The backend torchkeras runs on: always "torch" (Keras's own torch-specific paths apply)."""
    return "torch"


def set_backend(backend):
    """Keras switches backends by reloading; torchkeras is the torch backend and only accepts "torch"."""
    if backend != "torch":
        raise ValueError(f"torchkeras runs Keras on PyTorch only; received backend={backend!r}. "
                         "Use real Keras (`import keras`) for the TensorFlow or JAX backends.")


def is_nnx_enabled():
    return False  # Flax NNX is a JAX-only mode


def enable_interactive_logging():
    _SETTINGS["interactive_logging"] = True


def disable_interactive_logging():
    """Progress bars then print plain lines (no redraws), as Keras routes them to its logger."""
    _SETTINGS["interactive_logging"] = False


def is_interactive_logging_enabled():
    return _SETTINGS["interactive_logging"]


def enable_traceback_filtering():
    _SETTINGS["traceback_filtering"] = True


def disable_traceback_filtering():
    _SETTINGS["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    return _SETTINGS["traceback_filtering"]


def _positive_int_or_none(name, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"`{name}` must be None or a positive integer. Received: {name}={value!r}")
    return value


def set_max_epochs(max_epochs):
    """Cap every `fit` at this many epochs (Keras's debugging knob); None removes the cap."""
    _SETTINGS["max_epochs"] = _positive_int_or_none("max_epochs", max_epochs)


def max_epochs():
    return _SETTINGS["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap every epoch of fit/evaluate/predict at this many steps; None removes the cap."""
    _SETTINGS["max_steps_per_epoch"] = _positive_int_or_none("max_steps_per_epoch", max_steps_per_epoch)


def max_steps_per_epoch():
    return _SETTINGS["max_steps_per_epoch"]


def enable_unsafe_deserialization():
    """Allow Lambda layers' bytecode to load everywhere, as Keras's switch of the same name."""
    from torchkeras.saving.serialization_lib import enable_unsafe_deserialization as enable

    enable()
