"""Sequential: a plain stack of layers, built as soon as its input shape is known."""

import torch
from torch import nn
from torch.nn.modules import module as _nn_module

from torchkeras.keras_tensor import KerasTensor
from torchkeras.layers.core.input_layer import InputLayer
from torchkeras.layers.layer import Layer
from torchkeras.models.model import Model

# nn.Module.__call__ spends about a microsecond a layer on its hook checks before it calls
# `forward`; where nothing could intercept the call, the models call `forward` themselves.
_MODULE_CALL = nn.Module.__call__


def direct_calls_allowed():
    """No global module hooks, no JIT tracer and no patched Module.__call__ (torch.fx)."""
    return not (_nn_module._global_forward_hooks or _nn_module._global_forward_pre_hooks
                or _nn_module._global_backward_hooks or _nn_module._global_backward_pre_hooks
                or nn.Module.__call__ is not _MODULE_CALL or torch._C._get_tracing_state())


def hookless(layer):
    """`layer(x)` would be exactly `layer.forward(x)`: no hooks and no compiled wrapper."""
    return not (layer._forward_hooks or layer._forward_pre_hooks or layer._backward_hooks
                or layer._backward_pre_hooks or layer._compiled_call_impl is not None
                or type(layer).__call__ is not _MODULE_CALL)


class Sequential(Model):
    _keras_module = "keras"

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._stack = []
        self._input_batch_shape = None
        self._inputs_kt = None
        self._outputs_kt = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            layer = layer._keras_history[0].layer
        if isinstance(layer, InputLayer):
            if self._stack or self._input_batch_shape is not None:
                raise ValueError("An Input can only be the first layer of a Sequential model.")
            self._input_batch_shape = layer.batch_shape
            self._maybe_rebuild() if rebuild else None
            return
        if not isinstance(layer, Layer):
            if isinstance(layer, nn.Module):
                from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
                layer = TorchModuleWrapper(layer)
            else:
                from torchkeras.models.functional import KerasInputError
                raise KerasInputError("Only instances of `keras.Layer` (or torch.nn.Module) can be added to a Sequential "
                                f"model. Received: {layer!r} (of type {type(layer).__name__})")
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name "
                             f"{layer.name!r} is already the name of a layer in this model. Update the `name` "
                             "argument to pass a unique name.")
        if not self._stack and self._input_batch_shape is None and layer._batch_input_shape is not None:
            self._input_batch_shape = layer._batch_input_shape
        self.add_module(str(len(self._stack)), layer)
        self._stack.append(layer)
        self.built = False
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        del self._modules[str(len(self._stack))]
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        if self._input_batch_shape is not None and self._stack:
            self.built = False
            self._symbolic_build(self._input_batch_shape)

    def _input_layer_name(self):
        # Keras 3 numbers a Sequential's input like any InputLayer (input_layer, input_layer_1, ...).
        if getattr(self, "_input_name", None) is None:
            from torchkeras import config
            self._input_name = config.unique_name("input_layer")
        return self._input_name

    def _symbolic_build(self, batch_shape):
        from torchkeras.layers.core.input_layer import Input
        x = self._inputs_kt = Input(batch_shape=batch_shape, name=self._input_layer_name())
        for layer in self._stack:
            x = layer(x)
        self._outputs_kt = x
        self.built = True
        self._build_shapes = tuple(batch_shape)

    def build(self, input_shape=None):
        if input_shape is None:
            input_shape = self._input_batch_shape
        if input_shape is None:
            raise ValueError(f"You must provide an `input_shape` argument to build Sequential model {self.name!r}.")
        if not self._stack:
            raise ValueError(f"Sequential model {self.name!r} has no layers: add layers before building it.")
        self._input_batch_shape = tuple(input_shape)
        self._symbolic_build(self._input_batch_shape)

    def _maybe_build(self, shapes, device=None):
        if self.built:
            return
        if isinstance(shapes, list) or not self._stack:
            raise ValueError(f"Sequential model {self.name!r} cannot be built: it has no layers or got several inputs.")
        if device is not None and device.type != "cpu":
            self._device_cache = device
        self.build(shapes)
        if device is not None and device.type != "cpu":
            self.to(device)

    def call(self, inputs, training=None, mask=None):
        if not direct_calls_allowed():
            for layer in self._stack:
                inputs = layer(inputs)
            return inputs
        for layer in self._stack:
            inputs = layer.forward(inputs) if hookless(layer) else layer(inputs)
        return inputs

    @property
    def layers(self):
        return list(self._stack)

    @property
    def inputs(self):
        return [self._inputs_kt] if self._inputs_kt is not None else None

    @property
    def outputs(self):
        return [self._outputs_kt] if self._outputs_kt is not None else None

    @property
    def input(self):
        return self._inputs_kt

    @property
    def output(self):
        return self._outputs_kt

    @property
    def input_shape(self):
        if self._input_batch_shape is None:
            raise AttributeError(f"Sequential model {self.name!r} has not been built: it has no input shape yet.")
        return self._input_batch_shape

    @property
    def output_shape(self):
        if self._outputs_kt is None:
            raise AttributeError(f"Sequential model {self.name!r} has not been built: it has no output shape yet.")
        return self._outputs_kt.shape

    @property
    def output_names(self):
        return [self._stack[-1].name] if self._stack else []

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        from torchkeras.utils.serialization import serialize_keras_object
        layers = []
        if self._input_batch_shape is not None:
            layers.append(serialize_keras_object(InputLayer(batch_shape=self._input_batch_shape,
                                                            name=self._input_layer_name())))
        layers += [serialize_keras_object(layer) for layer in self._stack]
        return {"name": self.name, "trainable": self.trainable,
                "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": self._dtype_name},
                          "registered_name": None},
                "layers": layers, "build_input_shape": self._input_batch_shape}

    @classmethod
    def from_config(cls, cfg, custom_objects=None):
        from torchkeras.utils.serialization import deserialize_keras_object
        model = cls(name=cfg.get("name"), trainable=cfg.get("trainable", True))
        from torchkeras.saving.serialization_lib import apply_build_config

        for lcfg in cfg.get("layers", []):
            layer = deserialize_keras_object(lcfg, custom_objects=custom_objects)
            if isinstance(lcfg, dict):
                # Keras builds each deserialized layer from its build config (a Sequential without an Input
                # would otherwise come back with unbuilt layers whose saved variables cannot load).
                apply_build_config(layer, lcfg.get("build_config"))
            model.add(layer, rebuild=False)
        if model._input_batch_shape is None and cfg.get("build_input_shape"):
            model._input_batch_shape = tuple(cfg["build_input_shape"])
        model._maybe_rebuild()
        return model
