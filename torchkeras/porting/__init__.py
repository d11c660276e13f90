"""Zero-edit porting: run an unmodified Keras / tf.keras script on torchkeras.

`install()` puts a meta-path finder first on `sys.meta_path` so `import keras`, `from keras.layers
import Dense`, `from tensorflow import keras`, `import tensorflow as tf; tf.keras...`, Keras 2 paths
(`keras.layers.core`, `keras.utils.np_utils`, ...) resolve to torchkeras; real TensorFlow and Keras
are never imported. `run_path(script, argv)` installs it and runs the script as `__main__`, which is
what `python -m torchkeras run script.py args...` does.
"""

import os
import runpy
import sys

_ROOTS = ("keras", "tensorflow", "tf_keras")
_finder = None


def _is_ours(name):
    return name in _ROOTS or name.startswith(tuple(r + "." for r in _ROOTS))


def install():
    """Route keras / tensorflow imports to torchkeras in this process (idempotent)."""
    global _finder
    from torchkeras.keras_tensor import KerasTensor
    from torchkeras.models import Model
    from torchkeras.porting import keras2, keras2_dtype, keras2_symbolic
    from torchkeras.porting.aliases import AliasFinder
    from torchkeras.variables import Variable

    if _finder is None:
        _finder = AliasFinder()
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    # Modules a real Keras/TensorFlow left behind would shadow the aliases.
    for name in [n for n in sys.modules if _is_ours(n)]:
        if not type(sys.modules[name]).__module__.startswith("torchkeras."):
            del sys.modules[name]
    keras2.attach(Model)
    keras2_symbolic.attach(Model)
    keras2_dtype.attach(KerasTensor)
    keras2_dtype.attach(Variable)
    return _finder


def uninstall():
    """Undo `install()`: remove the finder and the alias modules it created."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if _is_ours(n)]:
        del sys.modules[name]


def run_path(script, argv=()):
    """Run `script` as __main__ with sys.argv = [script, *argv], keras imports served by torchkeras."""
    if not os.path.isfile(script):
        raise FileNotFoundError(f"Cannot run {script!r}: no such file.")
    install()
    sys.argv = [script, *argv]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    return runpy.run_path(script, run_name="__main__")


def run_module(module, argv=()):
    """Like `python -m module args...`, with keras imports served by torchkeras."""
    install()
    sys.argv = [module, *argv]
    sys.path.insert(0, os.getcwd())
    return runpy.run_module(module, run_name="__main__", alter_sys=True)
