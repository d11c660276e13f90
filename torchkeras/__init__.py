"""torchkeras: Keras on PyTorch. `import torchkeras as keras` and use it as Keras."""

__version__ = "0.1.0"

from torchkeras import activations, config, constraints, initializers, layers, models, regularizers
from torchkeras.config import clear_session
from torchkeras.layers import Input, InputSpec, Layer
from torchkeras.models import Model, Sequential
from torchkeras.variables import KerasParameter, Variable

for _optional in ("optimizers", "losses", "metrics", "callbacks", "utils", "backend", "ops", "saving", "random"):
    try:
        __import__(f"torchkeras.{_optional}")
    except ImportError as _e:  # a subpackage still being written must not break the rest
        if f"torchkeras.{_optional}" not in str(_e):
            raise
del _optional
