from torchkeras.layers.core.dense import Dense
from torchkeras.layers.core.input_layer import Input, InputLayer
from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
