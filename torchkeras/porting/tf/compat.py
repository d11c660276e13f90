"""tf.compat: `v2` is this emulation; `v1` offers the TF1 boilerplate Keras scripts carry (ConfigProto,
logging, set_random_seed, enable_eager_execution) and refuses graph mode (Session, placeholder,
disable_eager_execution) with an explanation, since torch only runs eagerly."""

import logging as _logging
import types

from torchkeras.porting.tf._core import Namespace, namespace_getattr

__getattr__ = namespace_getattr("tf.compat")


class _GraphModeError(RuntimeError):
    pass


def _refuse(symbol):
    def refuse(*args, **kwargs):
        raise _GraphModeError(
            f"`{symbol}` needs TensorFlow's graph mode, which torchkeras's emulation of TensorFlow does not have: "
            "torch runs eagerly. Remove it (eager execution is what TF 2 and Keras 3 use) and compute values "
            "directly instead of through a Session.")
    refuse.__name__ = symbol.rsplit(".", 1)[-1]
    return refuse


class _Options(types.SimpleNamespace):
    """A protobuf-like options object: any field can be set and read."""

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = _Options()
        setattr(self, attr, value)
        return value


def ConfigProto(**kwargs):
    return _Options(**kwargs)


def GPUOptions(**kwargs):
    return _Options(**kwargs)


def _set_verbosity(level):
    _logging.getLogger("tensorflow").setLevel(level)


_log = _logging.getLogger("tensorflow")
logging = Namespace(
    "tf.compat.v1.logging", set_verbosity=_set_verbosity,
    get_verbosity=lambda: _log.getEffectiveLevel(), DEBUG=_logging.DEBUG, INFO=_logging.INFO, WARN=_logging.WARNING,
    WARNING=_logging.WARNING, ERROR=_logging.ERROR, FATAL=_logging.FATAL, info=_log.info, warning=_log.warning,
    warn=_log.warning, error=_log.error, debug=_log.debug, fatal=_log.critical, log=_log.log)


def _v1():
    import torchkeras.porting.tf as tf
    from torchkeras.porting.tf import random
    refused = {n: _refuse(f"tf.compat.v1.{n}") for n in (
        "Session", "InteractiveSession", "placeholder", "disable_eager_execution", "disable_v2_behavior",
        "global_variables_initializer", "local_variables_initializer", "get_default_graph", "variable_scope",
        "get_variable", "disable_resource_variables", "disable_control_flow_v2", "disable_tensor_equality")}
    return Namespace(
        "tf.compat.v1", fallback=tf, ConfigProto=ConfigProto, GPUOptions=GPUOptions, logging=logging,
        enable_eager_execution=lambda *a, **k: None, enable_v2_behavior=lambda: None,
        executing_eagerly=lambda: True, set_random_seed=random.set_seed,
        reset_default_graph=lambda: None, RunOptions=ConfigProto, **refused)


class _Lazy:
    def __init__(self, make):
        self._make, self._value = make, None

    def get(self):
        if self._value is None:
            self._value = self._make()
        return self._value


_v1_lazy = _Lazy(_v1)


def __dir__():
    return ["v1", "v2", "as_bytes", "as_text", "as_str", "forward_compatible"]


def as_bytes(bytes_or_text, encoding="utf-8"):
    return bytes_or_text if isinstance(bytes_or_text, bytes) else str(bytes_or_text).encode(encoding)


def as_text(bytes_or_text, encoding="utf-8"):
    return bytes_or_text.decode(encoding) if isinstance(bytes_or_text, bytes) else str(bytes_or_text)


as_str = as_text


def forward_compatible(year, month, day):
    return True


def _module_getattr(attr, _fallback=__getattr__):
    if attr == "v1":
        return _v1_lazy.get()
    if attr == "v2":
        import torchkeras.porting.tf as tf
        return tf
    return _fallback(attr)


__getattr__ = _module_getattr  # noqa: F811  (v1 / v2 are built on first use: they need the whole package)
