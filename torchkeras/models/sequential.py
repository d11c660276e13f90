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
        # Kept out of the module tree (an InputLayer child would add a `_input_layer` entry to saved files).
        self.__dict__["_input_layer"] = None  # the InputLayer given, or made when the model was built
        self._inputs_kt = None
        self._outputs_kt = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    @property
    def _input_batch_shape(self):
        return self._input_layer.batch_shape if self._input_layer is not None else None

    def add(self, layer, rebuild=True):
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            layer = layer._keras_history[0].layer
        if isinstance(layer, InputLayer):
            if self._input_layer is not None:
                raise ValueError(f"Sequential model '{self.name}' has already been configured to use input shape "
                                 f"{self._input_layer.batch_shape}. You cannot add a different Input layer to it.")
            if self._stack:
                raise ValueError("An Input can only be the first layer of a Sequential model.")
            self.__dict__["_input_layer"] = layer
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
        if not self._stack and self._input_layer is None and layer._batch_input_shape is not None:
            # Keras 2's `Dense(4, input_shape=(3,))`: an InputLayer of that shape comes first.
            self.__dict__["_input_layer"] = InputLayer(batch_shape=layer._batch_input_shape)
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
        self._inputs_kt = self._outputs_kt = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        if not self._stack:
            return
        if self._input_layer is not None:
            self.built = False
            self.build(self._input_layer.batch_shape)  # through build() as Keras: its wrapper runs too
        elif len(self._stack) > 1 and isinstance(self._stack[0], Model) and self._stack[0].built:
            # A model as first layer knows its input shape (Keras reads its `input_shape`).
            try:
                shape = self._stack[0].input_shape
            except (AttributeError, ValueError):
                return
            if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
                self.build(shape)

    def _symbolic_build(self, batch_shape):
        if self._input_layer is None:
            self.__dict__["_input_layer"] = InputLayer(batch_shape=batch_shape, dtype=self._stack[0].compute_dtype
                                           if not self._stack[0]._dtype_name.startswith("mixed") else None)
        x = self._inputs_kt = self._input_layer.output_tensor
        for layer in self._stack:
            try:
                x = layer(x)
            except TypeError:
                _check_single_input(layer)
                raise
        self._outputs_kt = x
        self.built = True
        self._build_shapes = tuple(batch_shape)

    def build(self, input_shape=None):
        if input_shape is None:
            input_shape = self._input_batch_shape
        if input_shape is None:
            raise ValueError(f"You must provide an `input_shape` argument to build Sequential model {self.name!r}.")
        if not self._stack:
            raise ValueError(f"Sequential model {self.name!r} cannot be built because it has no layers. Call "
                             "`model.add(layer)`.")
        input_shape = tuple(input_shape)
        if self._input_layer is not None and tuple(self._input_layer.batch_shape) != input_shape:
            raise ValueError(f"Sequential model '{self.name}' has already been configured to use input shape "
                             f"{self._input_layer.batch_shape}. You cannot build it with input_shape {input_shape}")
        self._symbolic_build(input_shape)

    def _maybe_build(self, shapes, device=None):
        if self.built:
            return
        if not self._stack:
            raise ValueError(f"Sequential model {self.name!r} cannot be built because it has no layers. Call "
                             "`model.add(layer)`.")
        if isinstance(shapes, (list, dict)):
            # Keras: several inputs give no symbolic graph; the layers just run in turn.
            self.built = True
            return
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

    def _unbuilt(self, attr):
        return AttributeError(f"Sequential model '{self.name}' has no defined {attr} yet: it has not been built "
                              "(add an Input first, or call it on data).")

    @property
    def inputs(self):
        if self._inputs_kt is None:
            raise self._unbuilt("inputs")
        return [self._inputs_kt]

    @property
    def outputs(self):
        if self._outputs_kt is None:
            raise self._unbuilt("outputs")
        return [self._outputs_kt]

    def __setattr__(self, name, value):
        if name == "layers":
            raise AttributeError("`Sequential.layers` attribute is reserved and should not be used. Use `add()` and "
                                 "`pop()` to change the layers in this model.")
        super().__setattr__(name, value)

    @property
    def input(self):
        return self._inputs_kt

    @property
    def output(self):
        return self._outputs_kt

    @property
    def input_shape(self):
        if self._inputs_kt is None:
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
        if self._input_layer is not None:
            layers.append(serialize_keras_object(self._input_layer))
        layers += [serialize_keras_object(layer) for layer in self._stack]
        return {"name": self.name, "trainable": self.trainable,
                "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": self._dtype_name},
                          "registered_name": None},
                "layers": layers,
                "build_input_shape": self._input_batch_shape if self._outputs_kt is not None else None}

    @classmethod
    def from_config(cls, cfg, custom_objects=None):
        from torchkeras.utils.serialization import deserialize_keras_object
        if not isinstance(cfg, dict) or "name" not in cfg or "layers" not in cfg:
            raise ValueError("A Sequential model configuration must be a dictionary containing the 'name' and "
                             f"'layers' keys. Received: config={cfg}")
        for lcfg in cfg["layers"]:
            if isinstance(lcfg, dict) and "config" not in lcfg:
                raise ValueError(f"Cannot deserialize a layer of Sequential model {cfg['name']!r}. Expected a "
                                 f"dictionary containing a 'config' key. Received: {lcfg}")
        model = cls(name=cfg.get("name"), trainable=cfg.get("trainable", True))
        from torchkeras.saving.serialization_lib import apply_build_config

        for lcfg in cfg.get("layers", []):
            layer = deserialize_keras_object(lcfg, custom_objects=custom_objects)
            if isinstance(lcfg, dict):
                # Keras builds each deserialized layer from its build config (a Sequential without an Input
                # would otherwise come back with unbuilt layers whose saved variables cannot load).
                apply_build_config(layer, lcfg.get("build_config"))
            model.add(layer, rebuild=False)
        model._maybe_rebuild()
        shape = cfg.get("build_input_shape")
        if not model.built and model._stack and isinstance(shape, (list, tuple)) and \
                all(d is None or isinstance(d, int) for d in shape):
            model.build(tuple(shape))
        return model


def _check_single_input(layer):
    """Keras's error for a layer whose call needs more than the one input a Sequential passes."""
    import inspect
    params = [p for p in inspect.signature(layer.call).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in params if p.default is p.empty]
    if not params:
        raise ValueError("Layers added to a Sequential model should have a single positional argument, the input "
                         f"tensor. Layer {type(layer).__name__} has no positional arguments.")
    if len(required) > 1:
        raise ValueError("Layers added to a Sequential model can only have a single required positional argument, "
                         f"the input tensor. Layer {type(layer).__name__} has multiple required positional arguments: "
                         f"{[p.name for p in required]}")
