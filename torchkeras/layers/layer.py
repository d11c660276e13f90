"""Layer: a torch.nn.Module with Keras's layer lifecycle.

__init__ validates the Keras signature; build(input_shape) runs once (on the first call or from a
known input shape) and creates torch parameters in torch-native layout; forward() converts numpy /
float64 inputs as Keras does, checks them against ``input_spec``, resolves the training flag
(explicit > enclosing call > torch mode), runs ``call`` and attaches masks. Calls on symbolic
KerasTensors record a functional-API node instead.
"""

import inspect
import sys
import warnings
import weakref

import numpy as np
import torch
from torch import nn
from torch._subclasses.fake_tensor import unset_fake_temporarily

from torchkeras import config
from torchkeras.keras_tensor import (
    KerasTensor,
    Node,
    any_symbolic,
    fake_tensor,
    flatten,
    map_structure,
    to_keras_tensor,
    torch_dtype,
)
from torchkeras.layers import _call_args as _cargs
from torchkeras.layers.input_spec import check_input
from torchkeras.mixed_precision import policy as mixed_precision_policy
from torchkeras.variables import KerasParameter, Variable, is_variable

# Keras's base-layer keyword arguments accepted by every layer.
_BASE_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim")


def standardize_shape(shape):
    if shape is None:
        return None
    if isinstance(shape, torch.Size):
        return tuple(shape)
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    if isinstance(shape, dict):  # build() of a layer called on a dict of inputs
        return {k: standardize_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, torch.Size)):
        return [standardize_shape(s) for s in shape]
    return tuple(None if d is None else int(d) for d in shape)


_CALL_SIGS = {}


def _dtype_policy_name(dtype):
    if dtype is None:
        return mixed_precision_policy.default_policy_name()
    if isinstance(dtype, dict):  # a serialized DTypePolicy from a Keras config
        return dtype.get("config", {}).get("name", config.floatx())
    if isinstance(dtype, torch.dtype):
        return str(dtype).replace("torch.", "")
    return getattr(dtype, "name", str(dtype))


class Layer(nn.Module):
    """Base class of every torchkeras layer (Keras's ``keras.layers.Layer``)."""

    _autocast_mode = None  # "mixed" / "plain" under a mixed precision policy (mixed_precision/)


    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # As Keras: a layer whose build() was called directly counts as built.
        if "build" in cls.__dict__ and not getattr(cls.__dict__["build"], "_marks_built", False):
            cls.build = _marking_build(cls.__dict__["build"])

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # As Keras: remember the explicitly passed __init__ arguments, so a custom layer that does
        # not override get_config() still serializes (only for plain str/int/float/bool/None values).
        try:
            names = list(inspect.signature(cls.__init__).parameters)[1:]
            config = dict(zip(names, args))
        except (TypeError, ValueError):
            config = {}
        config.update(kwargs)
        object.__setattr__(instance, "_auto_config", config if _plain_values(config) else None)
        return instance

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        super().__init__()
        base = {k: kwargs.pop(k) for k in _BASE_KWARGS if k in kwargs}
        if kwargs:
            hint = ""
            if "input_length" in kwargs:
                hint = (" `input_length` is only an argument of Embedding and the recurrent layers; "
                        "did you mean `input_shape=`?")
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}.{hint}")
        self.name = name if name is not None else config.unique_name(config.to_snake_case(type(self).__name__))
        if not isinstance(self.name, str):
            raise TypeError(f"Argument `name` must be a string. Received: name={name!r}")
        if not isinstance(trainable, (bool, np.bool_)):
            raise ValueError(f"Expected `trainable` argument to be a boolean, but got: {trainable}")
        self._trainable = bool(trainable)
        self._dtype_name = _dtype_policy_name(dtype)
        mode = mixed_precision_policy.layer_autocast(self._dtype_name)
        if mode is not None:
            self._autocast_mode = mode
        self.autocast = autocast
        self.built = False
        self.supports_masking = False
        self.input_spec = None
        self._keras_vars = []
        self._losses = []
        self._inbound_nodes = []
        self._build_shapes = None
        self._device_cache = None
        from torchkeras import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._batch_input_shape = self._batch_shape_from_kwargs(base)
        if base.get("input_shape") is not None or base.get("input_dim") is not None:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using Sequential models, "
                "prefer using an `Input(shape)` object as the first layer in the model instead.",
                UserWarning, stacklevel=3)
        # A Keras model starts in inference mode: a call without training= runs Dropout off.
        self.training = False
        # As Keras: state assigned before `super().__init__()` is tracked once the layer exists.
        for attr, value in self.__dict__.pop("_pre_init_state", ()):
            setattr(self, attr, value)

    @staticmethod
    def _batch_shape_from_kwargs(base):
        if base.get("batch_input_shape") is not None:
            return standardize_shape(base["batch_input_shape"])
        if base.get("input_shape") is not None:
            shape = base["input_shape"]
            if not isinstance(shape, (tuple, list, torch.Size)):
                raise ValueError(f"`input_shape` must be a tuple of integers. Received: input_shape={shape!r}")
            return (base.get("batch_size"),) + standardize_shape(shape)
        if base.get("input_dim") is not None:
            return (base.get("batch_size"), int(base["input_dim"]))
        return None

    # ------------------------------------------------------------------ properties
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        for layer in self._flatten_layers(include_self=True):
            layer._trainable = value
            for v in layer._keras_vars:
                p = v.param
                if isinstance(p, nn.Parameter) and p.dtype.is_floating_point:
                    p.requires_grad_(value and _created_trainable(v))

    @property
    def dtype(self):
        return self._dtype_name if not self._dtype_name.startswith("mixed_") else "float32"

    @property
    def compute_dtype(self):
        return {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}.get(self._dtype_name, self.dtype)

    @property
    def variable_dtype(self):
        return self.dtype

    @property
    def dtype_policy(self):
        """A DTypePolicy object, as Keras (its `.name` is the policy name)."""
        from torchkeras import dtype_policies

        return dtype_policies.get(self._dtype_name)

    def _flatten_layers(self, include_self=True, recursive=True):
        if include_self:
            yield self
        for child in self._child_layers():
            if recursive:
                yield from child._flatten_layers(include_self=True, recursive=True)
            else:
                yield child

    def _child_layers(self):
        """Direct sub-layers in assignment order, looking through ModuleList/ModuleDict containers."""
        seen = set()
        self._track_list_attributes()

        def walk(module):
            for m in module._modules.values():
                if m is None or id(m) in seen:
                    continue
                if isinstance(m, Layer):
                    seen.add(id(m))
                    yield m
                elif isinstance(m, (nn.ModuleList, nn.ModuleDict, nn.Sequential)):
                    yield from walk(m)

        return list(walk(self))

    def _track_list_attributes(self):
        # Keras tracks the layers appended to a list attribute after it was assigned (`self.blocks = []`
        # then `.append(layer)`): register them with torch as a ModuleList under the same name.
        for attr, value in self.__dict__.items():
            if type(value) is list and value and attr[0] != "_":
                mods = [m for m in value if isinstance(m, nn.Module)]
                current = self._modules.get(attr)
                if mods and (current is None or len(current) != len(mods)
                             or any(a is not b for a, b in zip(current, mods))):
                    self._modules[attr] = nn.ModuleList(mods)

    # ------------------------------------------------------------------ weights
    @property
    def weights(self):
        # Keras order: own trainable weights, own non-trainable weights, then sub-layers'.
        own = [v for v in self._keras_vars if _created_trainable(v)]
        own += [v for v in self._keras_vars if not _created_trainable(v)]
        out, seen = [], set()
        for v in own + [w for layer in self._child_layers() for w in layer.weights]:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of length '
                f"{len(weights)}, but the layer was expecting {len(own)} weights"
                + ("" if own or self.built else " (the layer is not built yet: call it on data or `build` it first)")
                + f". Expected shapes: {[v.shape for v in own]}.")
        for i, (v, w) in enumerate(zip(own, weights)):
            w_shape = tuple(np.shape(w))
            if w_shape != tuple(v.shape):
                raise ValueError(
                    f'Layer "{self.name}" weight {i} ({v.name}) has shape {tuple(v.shape)}, which is not '
                    f"compatible with the provided weight of shape {w_shape}.")
        for v, w in zip(own, weights):
            v.assign(w)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                "You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", synchronization="auto",
                   name=None, overwrite_with_gradient=False):
        """Create a weight in Keras layout; it is an nn.Parameter registered on this layer."""
        from torchkeras import constraints, initializers, regularizers
        if args:
            shape, initializer, dtype = _positional_weight_args(args, shape, initializer, dtype)
        if self.__dict__.get("_state_locked") and config.call_context.depth and not self.__dict__.get("_build_depth"):
            raise ValueError(
                "You cannot add new elements of state (variables or sub-layers) to a layer that is already "
                "built. All state must be created in the `__init__()` method or in the `build()` method.")
        shape = () if shape is None else standardize_shape(shape)
        tdtype = torch_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if tdtype.is_floating_point else "zeros"
        init = initializers.get(initializer)
        with torch.no_grad():
            value = torch.as_tensor(init(shape, dtype=tdtype)).to(tdtype)
        if self._device_cache is not None:
            value = value.to(self._device_cache)
        p = KerasParameter(value, requires_grad=bool(trainable) and tdtype.is_floating_point and self.trainable)
        if name is None:
            name = config.unique_name("variable")  # Keras numbers unnamed variables per session
        p.__dict__.update(_keras_name=name, _keras_layer=weakref.ref(self), _keras_trainable=bool(trainable),
                          _keras_regularizer=regularizers.get(regularizer),
                          _keras_constraint=constraints.get(constraint))
        attr = name if name.isidentifier() else "variable"
        base, i = attr, 1
        while attr in self.__dict__ or attr in self._parameters or attr in self._modules or attr in self._buffers \
                or hasattr(type(self), attr):
            attr, i = f"{base}_{i}", i + 1
        self.register_parameter(attr, p)
        self._keras_vars.append(p)
        return p

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Keras's add_variable: add_weight with the shape and initializer first."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                               autocast=autocast, regularizer=regularizer, constraint=constraint, name=name)

    def _saved_variables(self):
        own = [v for v in self._keras_vars if _created_trainable(v)]
        return own + [v for v in self._keras_vars if not _created_trainable(v)]

    def save_own_variables(self, store):
        """Write this layer's own variables (not its sublayers') into `store` under "0", "1", ..."""
        for i, v in enumerate(self._saved_variables()):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store):
        """Assign this layer's own variables from `store` ("0", "1", ... as save_own_variables wrote)."""
        own = self._saved_variables()
        if len(store.keys()) != len(own):
            if not own and not self.built:
                raise ValueError(
                    f"Layer '{self.name}' was never built and thus it doesn't have any variables. However the "
                    f"weights file lists {len(store.keys())} variables for this layer. In most cases, this error "
                    "indicates that either:\n\n1. The layer is owned by a parent layer that implements a "
                    "`build()` method, but calling the parent's `build()` method did NOT create the state of "
                    "the child layer. You will need to implement `build()` on the parent.\n2. You need to "
                    "implement the `def build_from_config(self, config)` method on the layer.")
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} variables, but received {len(store.keys())} variables "
                f"during loading. Expected: {[v.name for v in own]}")
        for i, v in enumerate(own):
            v.assign(store[str(i)])

    def _track_variable(self, owner, attr, name, to_keras=None, to_torch=None, trainable=True,
                        regularizer=None, constraint=None, assign_fn=None):
        """Expose a torch parameter/buffer of `owner` (this layer or its torch module) as a Keras weight."""
        v = Variable(owner, attr, name, layer=self, to_keras=to_keras, to_torch=to_torch, trainable=trainable,
                     regularizer=regularizer, constraint=constraint, assign_fn=assign_fn)
        p = v.param
        if p is not None and p.is_floating_point():
            # Torch modules make float32 parameters; Keras makes a layer's variables in its policy's
            # variable dtype (float64, or bfloat16 under a non-mixed "bfloat16" policy).
            want = torch_dtype(self.variable_dtype)
            if want.is_floating_point and p.dtype != want:
                p.data = p.data.to(want)
        if isinstance(p, nn.Parameter):
            p.requires_grad_(bool(trainable) and self.trainable)
        self._keras_vars.append(v)
        return v

    def __setattr__(self, name, value):
        if "_keras_vars" not in self.__dict__ and isinstance(value, (nn.Module, nn.Parameter)):
            # Before Layer.__init__ ran (Keras allows it): replayed at the end of __init__.
            self.__dict__.setdefault("_pre_init_state", []).append((name, value))
            return
        if isinstance(value, nn.Module) and not isinstance(value, (Layer, nn.ModuleList, nn.ModuleDict)) \
                and not name.startswith("_") and _wraps_torch_modules(self):
            # As Keras's torch backend: a plain torch module on a custom layer becomes a TorchModuleWrapper.
            from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
            value = TorchModuleWrapper(value)
        elif type(value) is list and name in self.__dict__.get("_modules", ()) and name in self.__dict__:
            del self._modules[name]  # a tracked list attribute (see _child_layers) is being replaced
        if name[0] != "_" and "_modules" in self.__dict__:
            self._track_list_attributes()
        # Keras tracks layers held in lists and dicts of a subclassed layer/model; torch does not.
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, nn.Module) for v in value) \
                and not name.startswith("_"):
            value = nn.ModuleList(value)
        elif isinstance(value, dict) and value and all(isinstance(v, nn.Module) for v in value.values()) \
                and all(isinstance(k, str) for k in value) and not name.startswith("_"):
            value = nn.ModuleDict(value)
        elif isinstance(value, KerasParameter) and any(v is value for v in self._keras_vars):
            # `self.w = self.add_weight(...)`: store it under the attribute name, once.
            for k, p in list(self._parameters.items()):
                if p is value and k != name:
                    del self._parameters[k]
        elif isinstance(value, KerasParameter) and not name.startswith("_") and "_keras_vars" in self.__dict__:
            # `self.v = keras.Variable(...)`: Keras tracks it as this layer's weight.
            if "_keras_layer" not in value.__dict__:
                value.__dict__["_keras_layer"] = weakref.ref(self)
            self._keras_vars.append(value)
        super().__setattr__(name, value)

    # ------------------------------------------------------------------ losses
    @property
    def losses(self):
        out = []
        for layer in self._flatten_layers(include_self=True):
            # getattr: an AttributeError raised inside a property reads as "no attribute 'losses'"
            out.extend(getattr(layer, "_losses", ()))
            if layer.trainable:
                for v in getattr(layer, "_keras_vars", ()):
                    if v.regularizer is not None and v.trainable:
                        out.append(v.regularizer(v.value))
        return out

    @property
    def metrics(self):
        """The Metric objects this layer and its sub-layers hold as attributes (Keras order)."""
        from torchkeras.metrics import Metric
        out = []
        for value in list(vars(self).values()):
            for m in (value if isinstance(value, (list, tuple)) else (value,)):
                if isinstance(m, Metric) and all(m is not o for o in out):
                    out.append(m)
        for layer in self._child_layers():
            out.extend(layer.metrics)
        return out

    @property
    def metrics_variables(self):
        return [v for m in self.metrics for v in m.variables]

    def add_loss(self, loss):
        if callable(loss) and not isinstance(loss, torch.Tensor):
            loss = loss()
        self._losses.append(loss if isinstance(loss, torch.Tensor) else torch.as_tensor(loss))

    # ------------------------------------------------------------------ build
    def build(self, input_shape=None):
        self.built = True

    def _maybe_build(self, shapes, device=None, build_kwargs=None):
        if self.built:
            return
        if device is not None and device.type != "cpu":
            self._device_cache = device
        # A sublayer first called inside a symbolic (fake-tensor) call of its parent must still get real
        # parameters, or the model's weights would be fakes that fit cannot read.
        with unset_fake_temporarily():
            if build_kwargs is not None:
                self.build(**build_kwargs)
            else:
                self.build(shapes)
        self.built = True
        self._state_locked = True
        self._track_list_attributes()
        self._build_shapes = shapes
        if device is not None and device.type != "cpu":
            self.to(device)

    def build_from_config(self, cfg):
        shape = cfg.get("input_shape") if cfg else None
        if shape is not None:
            self._maybe_build(standardize_shape(shape))

    def get_build_config(self):
        if self._build_shapes is not None:
            return {"input_shape": self._build_shapes}
        return None

    def _device(self):
        if self._device_cache is None:
            for p in self.parameters():
                self._device_cache = p.device
                break
            else:
                for b in self.buffers():
                    self._device_cache = b.device
                    break
        return self._device_cache

    def _apply(self, fn, *args, **kwargs):
        out = super()._apply(fn, *args, **kwargs)
        # model.double() / .half() from torch code: inputs are then cast to the new dtype, not float32.
        new_dtype = next((str(p.dtype).replace("torch.", "") for p in self.parameters()
                          if p.dtype.is_floating_point), None)
        for layer in self.modules():
            if isinstance(layer, Layer):
                layer._device_cache = None
                if new_dtype is not None and not layer._dtype_name.startswith("mixed_"):
                    layer._dtype_name = new_dtype
        return out

    # ------------------------------------------------------------------ call
    @classmethod
    def _call_args(cls):
        # A module-level cache, not the class __dict__: torch.compile graph-breaks on reading a
        # class's mappingproxy once any dict was mutated in the traced region.
        sig = _CALL_SIGS.get(cls)
        if sig is None:
            params = inspect.signature(cls.call).parameters
            var_kw = any(p.kind == p.VAR_KEYWORD for p in params.values())
            sig = ("training" in params or var_kw, "mask" in params or var_kw)
            _CALL_SIGS[cls] = sig
        return sig

    def call(self, inputs, *args, **kwargs):
        raise _not_implemented(self, "call")

    def quantize(self, mode=None, type_check=True, config=None):
        raise _not_implemented(self, "quantize")

    def quantized_build(self, input_shape, mode):
        raise _not_implemented(self, "quantized_build")

    def rematerialized_call(self, layer_call, *args, **kwargs):
        """Keras's remat hook; torchkeras runs the call as is (use torch.utils.checkpoint to remat)."""
        return layer_call

    def _convert_input(self, x):
        if isinstance(x, torch.Tensor):
            if self.autocast and x.dtype == torch.float64 and self.compute_dtype != "float64":
                x = x.to(torch_dtype(self.compute_dtype))
            elif self.autocast and self.compute_dtype == "float64" and x.is_floating_point():
                x = x.to(torch.float64)  # Keras autocasts float inputs up to a float64 policy too
            return x
        if isinstance(x, np.ndarray) or isinstance(x, (list, float, int, np.generic)) and not any_symbolic(x):
            arr = np.asarray(x)
            if arr.dtype == object:
                raise TypeError(f'Layer "{self.name}" received an input it cannot convert to a tensor: {type(x)}')
            keep64 = arr.dtype == np.float64 and self.compute_dtype == "float64"
            t = torch.from_numpy(arr.astype(np.float32) if arr.dtype == np.float64 and not keep64 else arr)
            if t.is_floating_point() and self.autocast:
                t = t.to(torch_dtype(self.compute_dtype))
            dev = self._device()
            return t.to(dev) if dev is not None else t
        if is_variable(x):
            return x.value
        return x

    def _check_inputs(self, inputs):
        spec = self.input_spec
        if spec is None:
            return
        if isinstance(spec, (list, tuple)):
            for i, (s, x) in enumerate(zip(spec, flatten(inputs))):
                if s is not None and hasattr(x, "shape"):
                    check_input(s, tuple(x.shape), self.name, i)
        else:
            flat = flatten(inputs)
            if len(flat) != 1:
                raise ValueError(f'Layer "{self.name}" expects 1 input(s), but it received {len(flat)} input '
                                 "tensors. Pass one tensor, or merge them first (e.g. layers.Concatenate).")
            if hasattr(flat[0], "shape"):
                check_input(spec, tuple(flat[0].shape), self.name)

    def forward(self, inputs=_cargs._NO_INPUT, *args, **kwargs):
        # Hot path: one built float32 tensor, no extra positional args.
        if type(inputs) is not torch.Tensor or args or not self.built or inputs.dtype is torch.float64 \
                or self._dtype_name == "float64":
            return self._forward_general(inputs, *args, **kwargs)
        spec = self.input_spec
        if spec is not None and not spec.quick_ok(inputs):
            check_input(spec, tuple(inputs.shape), self.name)
        return self._run_call(inputs, args, kwargs)

    def _forward_general(self, inputs, *args, **kwargs):
        if inputs is _cargs._NO_INPUT:
            inputs = _cargs.pop_first_input(self, kwargs)
        if args:
            _cargs.check_positional_args(self, args)
        if any_symbolic(inputs) or (args and any_symbolic(args)):
            return self._symbolic_call(inputs, *args, **kwargs)
        if isinstance(inputs, (list, tuple)):
            inputs = type(inputs)(self._convert_input(x) for x in inputs)
        elif isinstance(inputs, dict):
            inputs = {k: self._convert_input(x) for k, x in inputs.items()}
        else:
            inputs = self._convert_input(inputs)
        if args:  # as Keras: array arguments after the inputs (a positional mask) become tensors
            args = tuple(self._convert_input(a) if isinstance(a, np.ndarray) else a for a in args)
        if kwargs:  # ... and so do array keyword arguments (`attention_mask=np_array`)
            for k, v in kwargs.items():
                if isinstance(v, np.ndarray) and k != "mask":
                    kwargs[k] = self._convert_input(v)
        if not self.built:
            self._check_inputs(inputs)  # as Keras: rank and input count are checked before build too
            shapes = map_structure(lambda t: (None,) + tuple(t.shape[1:]) if hasattr(t, "shape") else t, inputs)
            dev = next((t.device for t in flatten(inputs) if isinstance(t, torch.Tensor)), None)
            named = _cargs.named_build_shapes(self, inputs, args, kwargs)
            if named is None:  # (models override _maybe_build without build_kwargs)
                self._maybe_build(shapes, dev)
            else:
                self._maybe_build(shapes, dev, build_kwargs=named)
        self._check_inputs(inputs)
        return self._run_call(inputs, args, kwargs)

    def _run_call(self, inputs, args, kwargs):
        if self._losses:
            self._losses = []
        has_training, has_mask = self._call_args()
        ctx = config.call_context
        training = kwargs.pop("training", None)
        if training is None:
            training = ctx.training if ctx.depth else self.training
        mask = kwargs.pop("mask", None)
        if mask is None:
            if has_mask or self.supports_masking:
                mask = self._input_mask(inputs)
        elif type(mask) is not torch.Tensor:
            mask = _mask_tensor(mask)  # as Keras: numpy / list masks passed as mask= become tensors
        if has_training:
            kwargs["training"] = training
        if has_mask and mask is not None:
            kwargs["mask"] = mask
        prev = ctx.training
        ctx.training = training
        ctx.depth += 1
        try:
            if self._autocast_mode is None:
                outputs = self.call(inputs, *args, **kwargs)
            else:
                cm, inputs = mixed_precision_policy.autocast_call(self, self._autocast_mode, inputs)
                with cm:
                    outputs = self.call(inputs, *args, **kwargs)
        finally:
            ctx.depth -= 1
            ctx.training = prev
        if self.activity_regularizer is not None:
            for o in flatten(outputs):
                loss = self.activity_regularizer(o)
                if o.ndim:  # as Keras: divide_no_nan by the batch size (an empty batch adds 0)
                    loss = loss / o.shape[0] if o.shape[0] else torch.zeros_like(loss)
                self._losses.append(loss)
        if mask is not None or type(self).compute_mask is not Layer.compute_mask:
            out_mask = self.compute_mask(inputs, mask)
            if out_mask is not None:
                self._attach_mask(outputs, out_mask)
        return outputs

    @staticmethod
    def _input_mask(inputs):
        # torch.compile cannot trace a tensor's __dict__: it takes the getattr path below.
        if type(inputs) is torch.Tensor and not torch.compiler.is_compiling():
            return inputs.__dict__.get("_keras_mask") if inputs.__dict__ else None
        if isinstance(inputs, (list, tuple)):
            masks = [getattr(x, "_keras_mask", None) for x in inputs]
            return None if all(m is None for m in masks) else masks
        return getattr(inputs, "_keras_mask", None)

    @staticmethod
    def _attach_mask(outputs, out_mask):
        if isinstance(outputs, torch.Tensor):
            try:
                outputs._keras_mask = out_mask
            except (AttributeError, RuntimeError):
                pass
        elif isinstance(outputs, (list, tuple)):
            masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(outputs)
            for o, m in zip(outputs, masks):
                if isinstance(o, torch.Tensor) and m is not None:
                    o._keras_mask = m

    def compute_mask(self, inputs, mask=None):
        if not self.supports_masking:
            return None
        return mask

    # ------------------------------------------------------------------ symbolic
    def _symbolic_call(self, inputs, *args, **kwargs):
        shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
        if not self.built:
            named = _cargs.named_build_shapes(self, inputs, args, kwargs)
            if named is None:
                self._maybe_build(shapes)
            else:
                self._maybe_build(shapes, build_kwargs=named)
        self._check_inputs(inputs)
        try:
            out_struct = self.compute_output_spec(inputs, *args, **kwargs)
        except NotImplementedError:
            out_struct = self._infer_output_spec(inputs, *args, **kwargs)
        node = Node(self, (inputs,) + args, kwargs, out_struct)
        for i, t in enumerate(node.flat_outputs):
            t._keras_history = (node, i)
            if t.name is None:
                t.name = self.name
        self._inbound_nodes.append(node)
        return out_struct

    def compute_output_spec(self, inputs, *args, **kwargs):
        """Symbolic outputs from `compute_output_shape` (layers that override it) or by a fake run."""
        if type(self).compute_output_shape is Layer.compute_output_shape:
            raise NotImplementedError
        shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
        return _cargs.shapes_to_keras_tensors(self.compute_output_shape(shapes), self.compute_dtype)

    def _infer_output_spec(self, inputs, *args, **kwargs):
        from torch._subclasses.fake_tensor import FakeTensorMode

        sentinels = set()
        kwargs = dict(kwargs)
        kwargs.setdefault("training", False)
        try:
            with FakeTensorMode(allow_non_fake_inputs=True):
                fake_in = map_structure(lambda t: fake_tensor(t, sentinels, "cpu") if isinstance(t, KerasTensor)
                                        else t, (inputs, args, kwargs))
                out = self._run_for_spec(*fake_in)
        except Exception:
            # Data-dependent ops (.item(), boolean masks) need real values: run once on zeros.
            sentinels = set()
            real_in = map_structure(lambda t: fake_tensor(t, sentinels, "cpu") if isinstance(t, KerasTensor)
                                    else t, (inputs, args, kwargs))
            with torch.no_grad():
                out = self._run_for_spec(*real_in)
        return map_structure(lambda t: to_keras_tensor(t, sentinels) if isinstance(t, torch.Tensor) else t, out)

    def _run_for_spec(self, inputs, args, kwargs):
        has_training, has_mask = self._call_args()
        if not has_training:
            kwargs.pop("training", None)
        ctx = config.call_context
        prev, ctx.training = ctx.training, False
        ctx.depth += 1
        try:
            out = self.call(inputs, *args, **kwargs)
        finally:
            ctx.depth -= 1
            ctx.training = prev
        self._losses = []
        return out

    def compute_output_shape(self, input_shape):
        """Shape arithmetic; the default runs `call` on fake tensors."""
        if type(self).call is Layer.call:
            raise _not_implemented(self, "compute_output_shape")
        shapes = standardize_shape(input_shape)
        if isinstance(shapes, list):
            spec = self._infer_output_spec([KerasTensor(s) for s in shapes])
        else:
            spec = self._infer_output_spec(KerasTensor(shapes))
        return map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, spec)

    # ------------------------------------------------------------------ graph info
    def _node_attr(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has never been called and thus has no defined {attr}.")
        node = self._inbound_nodes[0]
        if attr == "output":
            return node.outputs
        ins = node.args[0]
        return ins

    @property
    def input(self):
        return self._node_attr("input")

    @property
    def output(self):
        return self._node_attr("output")

    @property
    def input_shape(self):
        if self._inbound_nodes:
            return map_structure(lambda t: t.shape, self._node_attr("input"))
        if self._build_shapes is not None:
            return self._build_shapes
        raise AttributeError(f"The layer {self.name} has never been called and thus has no defined input shape.")

    @property
    def output_shape(self):
        if self._inbound_nodes:
            return map_structure(lambda t: t.shape, self._node_attr("output"))
        if self._build_shapes is not None:
            return self.compute_output_shape(self._build_shapes)
        raise AttributeError(f"The layer {self.name} has never been called and thus has no defined output shape.")

    # ------------------------------------------------------------------ config
    def get_config(self):
        from torchkeras import regularizers
        cfg = {"name": self.name}
        auto = type(self).get_config is Layer.get_config  # a custom layer without its own get_config
        if auto:
            if self.__dict__.get("_auto_config") is None:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} was created by passing non-serializable argument values in "
                    "`__init__()`, and therefore the layer must override `get_config()` in order to be "
                    "serializable. Please implement `get_config()`.")
            cfg.update({k: v for k, v in self._auto_config.items() if k != "name"})
        cfg["trainable"] = self.trainable
        cfg["dtype"] = {"module": "keras", "class_name": "DTypePolicy",
                        "config": {"name": self._dtype_name}, "registered_name": None}
        if auto and type(self).__init__ is Layer.__init__:
            cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
            cfg["autocast"] = self.autocast
        elif self.activity_regularizer is not None:
            cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return cfg

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        if isinstance(cfg.get("dtype"), dict):
            # As Keras: a plain policy comes back as its name, a quantized one as the policy object.
            from torchkeras import dtype_policies
            policy = dtype_policies.deserialize(cfg["dtype"])
            if not isinstance(policy, dtype_policies.DTypePolicyMap) and policy.quantization_mode is None:
                policy = policy.name
            cfg["dtype"] = policy
        if "batch_shape" in cfg and "batch_input_shape" not in cfg:
            cfg["batch_input_shape"] = cfg.pop("batch_shape")
        try:
            return cls(**cfg)
        except Exception as e:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using config={cfg}.\n\n"
                            f"Exception encountered: {e}") from e

    def extra_repr(self):
        return f"name={self.name!r}, built={self.built}"

    def __repr__(self):
        return super().__repr__()


def _wraps_torch_modules(layer):
    # torchkeras's own layers hold torch modules on purpose; user-defined layers and models get Keras's
    # auto-wrapping. TorchModuleWrapper holds its module as is.
    cls = type(layer)
    if cls.__module__.startswith("torchkeras.") or cls.__name__ == "TorchModuleWrapper":
        return False
    # A user subclass of a torchkeras layer (`class MyDense(Dense)`): the module that torchkeras's own
    # build assigns (Dense's nn.Linear) stays as is; only the user's own assignments are wrapped.
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_name == "__setattr__":
        frame = frame.f_back
    return frame is None or not frame.f_globals.get("__name__", "").startswith("torchkeras.")


def _not_implemented(layer, method):
    return NotImplementedError(f"Layer {type(layer).__name__} does not have a `{method}` method implemented.")


def _positional_weight_args(args, shape, initializer, dtype):
    """Keras 3's add_weight(shape, initializer, dtype) positional form; a leading name is an error."""
    if len(args) > 3:
        raise TypeError(f"add_weight() takes at most 3 positional arguments but {len(args)} were given.")
    if isinstance(args[0], str):
        raise ValueError(f"`name` must be passed as a keyword argument. Received: add_weight('{args[0]}', ...). "
                         f"Use: add_weight(shape=..., name='{args[0]}').")
    given = {"shape": shape, "initializer": initializer, "dtype": dtype}
    for key, value in zip(("shape", "initializer", "dtype"), args):
        if given[key] is not None:
            raise ValueError(f"`{key}` was passed both positionally and as a keyword argument.")
        given[key] = value
    return given["shape"], given["initializer"], given["dtype"]


def _plain_values(value):
    if isinstance(value, dict):
        return all(_plain_values(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_plain_values(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def _mask_tensor(mask):
    if isinstance(mask, (list, tuple)):
        return [None if m is None else _mask_tensor(m) for m in mask]
    if isinstance(mask, torch.Tensor) or is_variable(mask):
        return getattr(mask, "value", mask)
    return torch.as_tensor(np.asarray(mask))


def _marking_build(build):
    import functools

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        # Real parameters even when build runs inside a symbolic (fake-tensor) call, whoever calls it.
        depth = self.__dict__.get("_build_depth", 0)
        self.__dict__["_build_depth"] = depth + 1  # a subclass's build may call super().build() first
        try:
            with unset_fake_temporarily():
                out = build(self, *args, **kwargs)
        finally:
            self.__dict__["_build_depth"] = depth
        self.built = True
        if not depth:
            self._state_locked = True
            self._track_list_attributes()
        if self._build_shapes is None and args:
            self._build_shapes = standardize_shape(args[0]) if args[0] is not None else None
        return out

    wrapper._marks_built = True
    return wrapper


def _created_trainable(v):
    if isinstance(v, Variable):
        return v._trainable
    return v.__dict__.get("_keras_trainable", True)
