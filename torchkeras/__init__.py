"""torchkeras: Keras on PyTorch. `import torchkeras as keras` and use it as Keras."""

__version__ = "0.1.0"

from torchkeras import (
                        activations,
                        backend,
                        callbacks,
                        config,
                        constraints,
                        datasets,
                        distribution,
                        initializers,
                        layers,
                        losses,
                        metrics,
                        mixed_precision,
                        models,
                        ops,
                        optimizers,
                        random,
                        regularizers,
                        saving,
                        utils,
)
from torchkeras.config import clear_session
from torchkeras.layers import Input, InputSpec, Layer
from torchkeras.models import Model, Sequential
from torchkeras.variables import KerasParameter, Variable
