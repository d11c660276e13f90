"""torchkeras: Keras on PyTorch. `import torchkeras as keras` and use it as Keras."""

__version__ = "0.1.0"

from torchkeras import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distillation,
    distribution,
    dtype_policies,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    quantizers,
    random,
    regularizers,
    saving,
    tree,
    utils,
    wrappers,
)
from torchkeras.config import clear_session
from torchkeras.dtype_policies import DTypePolicy, FloatDTypePolicy
from torchkeras.initializers import Initializer
from torchkeras.keras_tensor import KerasTensor
from torchkeras.layers import Input, InputSpec, Layer
from torchkeras.losses import Loss
from torchkeras.metrics import Metric
from torchkeras.models import Model, Sequential
from torchkeras.optimizers import Optimizer
from torchkeras.quantizers import Quantizer
from torchkeras.regularizers import Regularizer
from torchkeras.scopes import (
    Function,
    Operation,
    RematScope,
    StatelessScope,
    SymbolicScope,
    device,
    name_scope,
    remat,
)
from torchkeras.variables import KerasParameter
from torchkeras.variables import PublicVariable as Variable

# The Keras release whose public API torchkeras follows (`keras.version()`); torchkeras's own is __version__.
KERAS_API_VERSION = "3.15.1"


def version():
    return KERAS_API_VERSION
