"""Model: a Layer with Keras's training API (Trainer); `Model(inputs, outputs)` builds a Functional."""

import numpy as np
import torch

from torchkeras import config
from torchkeras.keras_tensor import flatten
from torchkeras.layers.layer import Layer, standardize_shape
from torchkeras.trainers.trainer import Trainer

_FUNCTIONAL_SUBCLASSES = {}


def _functional_init_arguments(args, kwargs):
    from torchkeras.keras_tensor import KerasTensor
    inputs = args[0] if args else kwargs.get("inputs")
    outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
    return (inputs is not None and outputs is not None
            and all(isinstance(t, KerasTensor) for t in flatten(inputs)))


def _functional_subclass(cls, functional):
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, functional),
                                           {"__module__": cls.__module__,
                                            "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]


class Model(Trainer, Layer):
    """Keras's Model: functional (`Model(inputs, outputs)`) or subclassed (override `call`)."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs
                             or "input" in kwargs or "output" in kwargs):
            from torchkeras.models.functional import Functional
            return Functional.__new__(Functional)
        if _functional_init_arguments(args, kwargs):
            from torchkeras.models.functional import Functional
            if not issubclass(cls, Functional):
                # Keras's `CustomModel(inputs, outputs)`: a Model subclass (overriding train_step...)
                # built as a functional graph. Its own methods come first, then Functional's.
                return super().__new__(_functional_subclass(cls, Functional))
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        from torchkeras.models.functional import Functional
        if not isinstance(self, Functional) and _functional_init_arguments(args, kwargs):
            # A subclass whose own __init__ builds a graph and calls super().__init__(inputs, outputs):
            # Keras turns the instance into a functional model of that subclass.
            self.__class__ = _functional_subclass(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        if args:
            raise TypeError(f"Model() got unexpected positional arguments {args}. A subclassed model takes keyword "
                            "arguments only; a functional model is built with Model(inputs, outputs).")
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._init_trainer()

    def _run_call(self, inputs, args, kwargs):
        ctx = config.call_context
        prev = ctx.explicit_training
        ctx.explicit_training = kwargs.get("training") is not None or (ctx.depth > 0 and prev)
        try:
            return super()._run_call(inputs, args, kwargs)
        finally:
            ctx.explicit_training = prev

    def _convert_input(self, x):
        # String data (for an `Input(dtype="string")`) stays a numpy array: torch has no string tensor,
        # and the string preprocessing layers take numpy arrays.
        if isinstance(x, np.ndarray) and x.dtype.kind in "USO":
            return x
        return super()._convert_input(x)

    # -- saving (Keras's model methods; the work is in torchkeras.saving) ------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        from torchkeras.saving import saving_api
        return saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None, **kwargs):
        from torchkeras.saving import saving_api
        return saving_api.save_weights(self, filepath, overwrite=overwrite,
                                       max_shard_size=max_shard_size, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        from torchkeras.saving import saving_api
        return saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    @property
    def layers(self):
        return [layer for layer in self._child_layers() if not getattr(layer, "_is_op", False)]

    def __setattr__(self, name, value):
        # Layer.__setattr__ tracks a list of layers before a property setter could refuse it.
        if name == "layers":
            raise AttributeError("`Model.layers` attribute is reserved and should not be used. Please use "
                                 "another name.")
        super().__setattr__(name, value)

    def get_layer(self, name=None, index=None):
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            layers = self.layers
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # Keras: `Model.from_config(functional_config)` rebuilds the functional graph; a subclassed
        # model's config goes to its own __init__.
        import inspect

        from torchkeras.models.functional import Functional
        from torchkeras.models.functional_config import functional_from_config
        if {"layers", "input_layers", "output_layers"} <= set(config):
            if cls is Model:
                return Functional.from_config(config, custom_objects=custom_objects)
            # A subclass revives as a functional model when its __init__ forwards (*args, **kwargs)
            # or has Functional's own signature, as Keras decides.
            spec = inspect.getfullargspec(cls.__init__)
            if (spec.varargs == "args" and spec.varkw == "kwargs") or \
                    spec.args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]:
                return functional_from_config(cls, config, custom_objects=custom_objects)
        return super().from_config(config)

    def build(self, input_shape=None):
        """Subclassed models build by running `call` once on zeros of the given shape (batch None -> 1)."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError(f"Model {self.name!r} cannot be built without an input shape. Call it on data, "
                             "or pass `input_shape` to `build()`.")
        shapes = standardize_shape(input_shape)
        dev = self._device_cache

        def zeros(s):
            return torch.zeros([1 if d is None else d for d in s], device=dev)

        x = [zeros(s) for s in shapes] if isinstance(shapes, list) else zeros(shapes)
        self.built = True
        self._build_shapes = shapes
        with torch.no_grad():
            self.forward(x, training=False)

    def _maybe_build(self, shapes, device=None):
        if self.built:
            return
        if type(self).build is not Model.build:
            return super()._maybe_build(shapes, device)
        # A subclassed model builds its sub-layers by running call() on the real first batch.
        if device is not None and device.type != "cpu":
            self._device_cache = device
        self.built = True
        self._build_shapes = shapes

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantize every sublayer that supports it (Dense, Embedding, EinsumDense), as Keras's Model.quantize.

        `filters`: a regex string or list of them matched against layer names, or a callable(layer) -> bool."""
        import re
        import warnings

        type_check = kwargs.pop("type_check", True)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if filters is not None and not (isinstance(filters, (str, list, tuple)) or callable(filters)):
            raise ValueError("The `filters` argument must be a regex string, a list of regex strings, or a "
                             f"callable. Received: {type(filters)}")
        from torchkeras.quantizers.quantization_config import validate_and_resolve_config
        config = validate_and_resolve_config(mode, config)  # as Keras's quantize wrapper, before any layer
        mode = config.mode

        def selected(layer):
            if filters is None:
                return True
            if callable(filters) and not isinstance(filters, (str, list, tuple)):
                return bool(filters(layer))
            patterns = [filters] if isinstance(filters, str) else list(filters)
            return any(re.search(p, layer.name) for p in patterns)

        for layer in self._flatten_layers(include_self=False):
            if not selected(layer) or any(True for _ in layer._flatten_layers(include_self=False)):
                continue
            quantize = getattr(layer, "quantize", None)
            if quantize is None:
                continue
            try:
                quantize(mode, type_check=type_check, config=config)
            except NotImplementedError as e:
                warnings.warn(str(e), stacklevel=2)
        if mode in ("gptq", "awq"):
            from torchkeras.quantizers.calibration import quantize_model_calibrated
            quantize_model_calibrated(self, mode, config, filters)

    def get_quantization_layer_structure(self, mode=None):
        """The {"pre_block_layers": [...], "sequential_blocks": [...]} that "gptq" / "awq" quantize block by
        block when the config has no `quantization_layer_structure`; None here (override it)."""
        del mode
        return None

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        from torchkeras.utils.summary_utils import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    @property
    def output_names(self):
        outs = getattr(self, "_outputs_struct", None)
        if outs is None:
            return ["output_0"] if not isinstance(getattr(self, "_last_outputs", None), (list, tuple)) else \
                [f"output_{i}" for i in range(len(self._last_outputs))]
        return [t._keras_history[0].layer.name for t in flatten(outs)]

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}

    def get_state_tree(self, value_format="backend_tensor"):
        """All variables (trainable, non-trainable, optimizer, metrics) as nested dicts by path."""
        from torchkeras.models.state_tree import get_state_tree
        return get_state_tree(self, value_format)

    def set_state_tree(self, state_tree):
        """Assign the values of a `get_state_tree()`-style dict to the variables at those paths."""
        from torchkeras.models.state_tree import set_state_tree
        set_state_tree(self, state_tree)

    def to_json(self, **kwargs):
        from torchkeras.saving import model_to_json
        return model_to_json(self, **kwargs)


def _attach_keras2_methods():
    # Keras 2's predict_classes / *_generator, each warning once (torchkeras.porting.keras2).
    from torchkeras.porting import keras2
    keras2.attach(Model)


_attach_keras2_methods()
