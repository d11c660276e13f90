"""TorchModuleWrapper: any torch.nn.Module used as a Keras layer (its parameters train in fit)."""

import base64
import io

import numpy as np
import torch

from torchkeras.layers.layer import Layer


class TorchModuleWrapper(Layer):
    """Turns a `torch.nn.Module` into a Keras layer whose parameters Keras tracks (Keras signature).

    Args:
        module: the torch.nn.Module (a LazyModule must already be initialized).
        name: the layer name.
        output_shape: the output shape, for shape inference without running the module.
    Saved weights are the module's `state_dict` (BatchNorm statistics included), as Keras; the
    config embeds the pickled module, which only loads with safe mode off. Attributes the wrapper
    lacks are read from the module (`wrapper.weight`), so torch code keeps working on it.
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"TorchModuleWrapper wraps a torch.nn.Module. Received: {module!r}")
        if isinstance(module, torch.nn.modules.lazy.LazyModuleMixin) and module.has_uninitialized_params():
            raise ValueError("LazyModules are not supported unless they are already initialized. "
                             f"Received uninitialized LazyModule: module={module}")
        self.module = module
        self._wrapped_output_shape = output_shape
        self.built = True
        for pname, p in module.named_parameters():
            owner_path, _, attr = pname.rpartition(".")
            owner = module.get_submodule(owner_path) if owner_path else module
            self._track_variable(owner, attr, pname, trainable=p.requires_grad)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            module = self.__dict__.get("_modules", {}).get("module")
            if module is None or name.startswith("__"):
                raise
            return getattr(module, name)

    @property
    def output_shape(self):
        if self._wrapped_output_shape is not None:
            return self._wrapped_output_shape
        return super().output_shape

    def call(self, inputs, *args, training=None, **kwargs):
        # The wrapped module's own Dropout/BatchNorm follow the Keras training flag.
        if self.module.training != bool(training):
            self.module.train(bool(training))
        return self.module(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._wrapped_output_shape is None:
            return super().compute_output_shape(input_shape)
        return tuple(self._wrapped_output_shape)

    def save_own_variables(self, store):
        # As Keras: the whole state_dict, so BatchNorm's running statistics are saved too.
        for key, value in self.module.state_dict().items():
            store[key] = value.detach().cpu().numpy()

    def load_own_variables(self, store):
        state = {}
        for key in store.keys():
            name = key.decode() if isinstance(key, bytes) else key
            state[name] = torch.as_tensor(np.asarray(store[key]))
        self.module.load_state_dict(state)

    def get_config(self):
        cfg = super().get_config()
        buffer = io.BytesIO()
        torch.save(self.module, buffer)
        cfg["module"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        cfg["output_shape"] = self._wrapped_output_shape
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        config = dict(config)
        if isinstance(config.get("module"), str):
            from torchkeras.saving.serialization_lib import in_safe_mode

            if (safe_mode if safe_mode is not None else in_safe_mode()) is not False:
                raise ValueError(
                    "Requested the deserialization of a `torch.nn.Module` object via `torch.load()`. This carries "
                    "a potential risk of arbitrary code execution and thus it is disallowed by default. If you "
                    "trust the source of the artifact, you can override this error by passing `safe_mode=False` "
                    "to the loading function, or calling `keras.config.enable_unsafe_deserialization()`.")
            buffer = io.BytesIO(base64.b64decode(config["module"].encode("ascii")))
            config["module"] = torch.load(buffer, weights_only=False)
        return super().from_config(config)
