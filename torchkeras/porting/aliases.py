"""Module aliases: `keras`, `keras.*`, `tensorflow.keras.*` (and Keras 2 paths) -> torchkeras.

Every alias is a small proxy module that forwards attribute reads to its torchkeras module, so the
import system can set attributes on it (as it does on parents of submodules) without touching
torchkeras itself. A meta-path finder creates proxies on demand, for any depth of submodule.
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

from torchkeras.porting import keras2, keras2_symbolic

# Keras 2 / tf.keras module paths that no longer exist in Keras 3, and the torchkeras module
# holding their contents.
LEGACY = {
    "keras.layers.core": "torchkeras.layers", "keras.layers.convolutional": "torchkeras.layers",
    "keras.layers.recurrent": "torchkeras.layers", "keras.layers.pooling": "torchkeras.layers",
    "keras.layers.normalization": "torchkeras.layers", "keras.layers.embeddings": "torchkeras.layers",
    "keras.layers.merge": "torchkeras.layers", "keras.layers.advanced_activations": "torchkeras.layers",
    "keras.layers.wrappers": "torchkeras.layers", "keras.layers.noise": "torchkeras.layers",
    "keras.layers.cudnn_recurrent": "torchkeras.layers", "keras.layers.experimental": "torchkeras.layers",
    "keras.layers.experimental.preprocessing": "torchkeras.layers",
    "keras.layers.convolutional_recurrent": "torchkeras.layers", "keras.layers.local": "torchkeras.layers",
    "keras.utils.np_utils": "torchkeras.utils", "keras.utils.generic_utils": "torchkeras.utils",
    "keras.utils.vis_utils": "torchkeras.utils", "keras.utils.data_utils": "torchkeras.utils",
    "keras.utils.layer_utils": "torchkeras.utils", "keras.utils.io_utils": "torchkeras.utils",
    "keras.preprocessing": "torchkeras.preprocessing",
    "keras.preprocessing.sequence": "torchkeras.preprocessing.sequence",
    "keras.engine": "torchkeras.porting.engine", "keras.engine.topology": "torchkeras.porting.engine",
    "keras.engine.training": "torchkeras.porting.engine", "keras.engine.base_layer": "torchkeras.porting.engine",
    "keras.engine.input_layer": "torchkeras.porting.engine", "keras.engine.sequential": "torchkeras.porting.engine",
    "keras.engine.functional": "torchkeras.porting.engine",
    "keras.optimizers.legacy": "torchkeras.optimizers", "keras.optimizer_v2": "torchkeras.optimizers",
    "keras.losses.legacy": "torchkeras.losses", "keras.wrappers": None, "keras.objectives": "torchkeras.losses",
}
# Loss functions Keras 2 scripts apply to symbolic tensors (then `model.add_loss(...)`).
_GRAPH_LOSS_MODULES = ("keras.losses", "keras.objectives", "keras.metrics", "keras.losses.legacy")
# Names a keras.* module must offer that live in torchkeras modules not (yet) re-exported there.
_EXTRA = {"keras.utils": {"pad_sequences": "torchkeras.utils.sequence_utils", "get_file": "torchkeras.utils.file_utils",
                          "plot_model": "torchkeras.utils.plot_model", "model_to_dot": "torchkeras.utils.plot_model"}}
for _legacy in ("keras.utils.np_utils", "keras.utils.generic_utils", "keras.utils.vis_utils", "keras.utils.data_utils"):
    _EXTRA[_legacy] = _EXTRA["keras.utils"]
# Top-level names that mean Keras (tf_keras is the Keras 2 package for TF >= 2.16).
_KERAS_ROOTS = ("keras", "tensorflow.keras", "tensorflow.python.keras", "tf_keras")


def keras_name(fullname):
    """`tensorflow.keras.layers` -> `keras.layers`; `keras.src.layers` -> `keras.layers`; else None."""
    for root in _KERAS_ROOTS:
        if fullname == root or fullname.startswith(root + "."):
            name = "keras" + fullname[len(root):]
            if name == "keras.src" or name.startswith("keras.src."):
                name = "keras" + name[len("keras.src"):]
            return name
    return None


def target_name(name):
    """The torchkeras module behind keras-name `name`, or None if torchkeras has none."""
    if name in LEGACY:
        return LEGACY[name]
    candidate = "torch" + name
    try:
        found = importlib.util.find_spec(candidate)
    except (ImportError, ValueError):
        found = None
    return candidate if found is not None else None


class AliasModule(types.ModuleType):
    """`keras.<...>` as seen by a script: reads go to the torchkeras module `_torchkeras_target`."""

    def __init__(self, name, target):
        super().__init__(name, target.__doc__)
        self.__dict__["_torchkeras_target"] = target
        self.__path__ = []  # a package, so `keras.layers.core` style submodules resolve through the finder
        self.__all__ = [n for n in getattr(target, "__all__", dir(target)) if not n.startswith("_")]

    def __getattr__(self, attr):
        if self.__name__ == "keras" and attr in ("__version__", "version"):
            return _keras_version(attr)
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        # before the target: torchkeras.optimizers has submodules of these (lower-case) names
        if self.__name__ in ("keras.optimizers", "keras.optimizers.legacy"):
            factory = keras2.legacy_optimizer(attr)
            if factory is not None:
                return factory
        target = self.__dict__["_torchkeras_target"]
        value = getattr(target, attr, _MISSING)
        if isinstance(value, types.ModuleType) or value is _MISSING:
            sub = f"{self.__name__}.{attr}"
            if sub in sys.modules:
                return sys.modules[sub]
            if target_name(sub) is not None:
                return importlib.import_module(sub)
        if value is not _MISSING:
            if self.__name__ in _GRAPH_LOSS_MODULES and isinstance(value, types.FunctionType):
                return keras2_symbolic.symbolic_aware(value)
            return value
        home = _EXTRA.get(self.__name__, {}).get(attr)
        if home is not None:
            return getattr(importlib.import_module(home), attr)
        if self.__name__.startswith("keras.layers"):
            legacy = keras2.legacy_layer(attr)
            if legacy is not None:
                return legacy
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}: torchkeras (which the porting "
                             f"runner uses for `keras`) does not provide `{self.__name__}.{attr}`.")

    def __dir__(self):
        return sorted(set(dir(self.__dict__["_torchkeras_target"])) | set(self.__dict__))


_MISSING = object()


def _keras_version(attr):
    """`keras.__version__` / `keras.version()`: the Keras release whose API and file format torchkeras
    follows, so scripts' `keras.__version__ >= "3"` checks take their Keras 3 branch."""
    from torchkeras.saving.keras_zip import KERAS_FORMAT_VERSION
    return KERAS_FORMAT_VERSION if attr == "__version__" else (lambda: KERAS_FORMAT_VERSION)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, make):
        self._make = make

    def create_module(self, spec):
        return self._make()

    def exec_module(self, module):
        pass


class AliasFinder(importlib.abc.MetaPathFinder):
    """Serves `keras...`, `tensorflow.keras...`, `tf_keras...` and `tensorflow...` from torchkeras."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "tensorflow" or (fullname.startswith("tensorflow.") and keras_name(fullname) is None):
            from torchkeras.porting import tensorflow_shim
            return tensorflow_shim.find_spec(fullname, _AliasLoader)
        name = keras_name(fullname)
        if name is None:
            return None
        if name != fullname:  # tensorflow.keras.x and keras.x share one proxy object
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(lambda: importlib.import_module(name)),
                                                  is_package=True)
        tname = target_name(name)
        if tname is None:
            return self._missing(name)
        return importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(lambda: AliasModule(name, importlib.import_module(tname))), is_package=True)

    @staticmethod
    def _missing(name):
        parent, _, child = name.rpartition(".")
        if parent and child[:1].isupper():
            # `from keras.layers import Foo` probes for a submodule `Foo` first; say what is missing.
            raise ImportError(f"cannot import name {child!r} from {parent!r}: torchkeras (which the porting runner "
                              f"uses for `keras`) does not provide `{name}`.", name=parent)
        raise ModuleNotFoundError(f"No module named {name!r}: torchkeras (which the porting runner uses for "
                                  f"`keras`) has no counterpart of this Keras module.", name=name)
