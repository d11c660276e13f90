"""The porting runner's `tensorflow`: the emulation in `torchkeras.porting.tf`, served under TF's
module names (`tensorflow`, `tensorflow.math`, `tensorflow.compat.v1`, ...)."""

import importlib
import importlib.machinery

from torchkeras.porting.tf._core import VERSION, UnsupportedTensorFlowError, unsupported  # noqa: F401

_PACKAGE = "torchkeras.porting.tf"


def _resolve(fullname):
    """The emulated module (or namespace object) for a `tensorflow[.x.y]` name; raises if none."""
    tf = importlib.import_module(_PACKAGE)
    if fullname == "tensorflow":
        from torchkeras.porting.tf.shape import install_tensor_methods
        install_tensor_methods()
        return tf
    obj = tf
    for part in fullname.split(".")[1:]:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = None
        if obj is None or not hasattr(obj, "__dict__") or callable(obj) and not hasattr(obj, "__path__") \
                and not hasattr(obj, "__getattr__"):
            raise ModuleNotFoundError(f"No module named {fullname!r}: " + str(unsupported(
                fullname.replace("tensorflow", "tf", 1))), name=fullname)
    return obj


def find_spec(fullname, loader_cls):
    """Spec for `tensorflow` or one of its emulated namespaces; anything else fails with a clear error."""
    obj = _resolve(fullname)
    return importlib.machinery.ModuleSpec(fullname, loader_cls(lambda: obj), is_package=True)
