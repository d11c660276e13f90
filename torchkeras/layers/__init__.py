"""keras.layers: every layer class, re-exported from its family package."""

from torchkeras.layers._serialize import deserialize, serialize
from torchkeras.layers.activations import *
from torchkeras.layers.attention import *
from torchkeras.layers.convolutional import *
from torchkeras.layers.core import *
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.merging import *
from torchkeras.layers.normalization import *
from torchkeras.layers.pooling import *
from torchkeras.layers.preprocessing import *
from torchkeras.layers.reshaping import *
from torchkeras.layers.rnn import *
