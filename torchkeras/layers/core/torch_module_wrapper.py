"""TorchModuleWrapper: any torch.nn.Module used as a Keras layer (its parameters train in fit)."""

import torch

from torchkeras.layers.layer import Layer


class TorchModuleWrapper(Layer):
    def __init__(self, module, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"TorchModuleWrapper wraps a torch.nn.Module. Received: {module!r}")
        self.module = module
        self.built = True
        for pname, _ in module.named_parameters():
            owner_path, _, attr = pname.rpartition(".")
            owner = module.get_submodule(owner_path) if owner_path else module
            self._track_variable(owner, attr, pname)

    def call(self, inputs, training=None):
        # The wrapped module's own Dropout/BatchNorm follow the Keras training flag.
        if self.module.training != bool(training):
            self.module.train(bool(training))
        return self.module(inputs)
