from torchkeras.layers.core.activation import Activation
from torchkeras.layers.core.activity_regularization import ActivityRegularization
from torchkeras.layers.core.dense import Dense
from torchkeras.layers.core.dropout import (
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from torchkeras.layers.core.einsum_dense import EinsumDense
from torchkeras.layers.core.embedding import Embedding
from torchkeras.layers.core.identity import Identity
from torchkeras.layers.core.input_layer import Input, InputLayer
from torchkeras.layers.core.lambda_layer import Lambda
from torchkeras.layers.core.masking import Masking
from torchkeras.layers.core.reversible_embedding import ReversibleEmbedding
from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
from torchkeras.layers.core.wrapper import Wrapper
