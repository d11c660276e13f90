"""Lambda: wraps an arbitrary function of torch tensors as a layer."""

import base64
import inspect
import marshal
import types

import numpy as np
import torch

from torchkeras.keras_tensor import KerasTensor, map_structure
from torchkeras.layers.layer import Layer, standardize_shape
from torchkeras.utils import serialization


def _is_shape(obj):
    return isinstance(obj, (tuple, list)) and all(d is None or isinstance(d, int) for d in obj)


def _dump_lambda(fn):
    # Keras's format: marshalled bytecode in base64 plus defaults and closure values. The
    # bytecode only loads under the Python version that wrote it.
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return {"class_name": "__lambda__", "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}


def _load_lambda(cfg):
    try:
        code = marshal.loads(base64.decodebytes(cfg["code"].encode("ascii")))
    except (ValueError, EOFError, TypeError) as err:
        raise ValueError("Could not load the Python lambda stored in this Lambda layer's config: its bytecode was "
                         "written by another Python version. Re-create the layer with the function in code, or "
                         "use a named function registered with @register_keras_serializable().") from err
    import torchkeras
    env = {"__builtins__": __builtins__, "torch": torch, "np": np, "numpy": np, "keras": torchkeras,
           "F": torch.nn.functional}
    if hasattr(torchkeras, "ops"):
        env["ops"] = torchkeras.ops
    defaults = tuple(cfg["defaults"]) if cfg.get("defaults") else None
    closure = tuple(types.CellType(v) for v in cfg["closure"]) if cfg.get("closure") else None
    return types.FunctionType(code, env, code.co_name, defaults, closure)


def _serialize_fn(fn):
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        return _dump_lambda(fn)
    if callable(fn):
        return serialization.serialize_keras_object(fn)
    raise ValueError(f"Invalid input type for serialization. Received: {fn!r} of type {type(fn).__name__}; "
                     "expected a function.")


def _in_safe_mode():
    probe = getattr(serialization, "in_safe_mode", None)
    return True if probe is None else probe() is not False


class Lambda(Layer):
    """Calls `function(inputs, **arguments)` (plus `mask=`/`training=` when the function takes them).

    Args:
        function: a callable on torch tensors.
        output_shape: shape without the batch axis (tuple, or a structure of tuples), or a callable
            `input_shape -> output_shape` (full shapes). None: inferred by running `function` on fake
            tensors.
        mask: a mask, or a callable `(inputs, mask) -> mask`; None means the layer outputs no mask.
        arguments: dict of extra keyword arguments for `function`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Argument `function` of Lambda must be callable. Received: function={function!r}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Argument `arguments` of Lambda must be a dict. Received: arguments={arguments!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        if isinstance(output_shape, list) and _is_shape(output_shape):
            output_shape = tuple(output_shape)
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            try:
                return super().compute_output_shape(input_shape)
            except Exception as err:
                raise NotImplementedError(
                    "We could not automatically infer the shape of the Lambda's output. Please specify the "
                    "`output_shape` argument for this Lambda layer.") from err
        if callable(self._output_shape):
            return standardize_shape(self._output_shape(input_shape))
        first = input_shape
        while isinstance(first, (list, tuple)) and first and isinstance(first[0], (list, tuple)):
            first = first[0]
        batch = first[0] if first else None

        def add_batch(shape):
            return (batch,) + tuple(shape)

        if _is_shape(self._output_shape):
            return add_batch(self._output_shape)
        return [add_batch(s) for s in self._output_shape]

    def compute_output_spec(self, inputs, *args, **kwargs):
        if self._output_shape is None:
            return self._infer_output_spec(inputs, *args, **kwargs)
        shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
        out = self.compute_output_shape(shapes)
        if isinstance(out, list) and out and isinstance(out[0], (tuple, list)):
            return [KerasTensor(s, self.compute_dtype) for s in out]
        return KerasTensor(out, self.compute_dtype)

    def get_config(self):
        cfg = super().get_config()
        cfg["function"] = _serialize_fn(self.function)
        if self._output_shape is not None:
            cfg["output_shape"] = (_serialize_fn(self._output_shape) if callable(self._output_shape)
                                   else self._output_shape)
        if self.mask is not None:
            cfg["mask"] = (_serialize_fn(self.mask) if callable(self.mask)
                           else serialization.serialize_keras_object(self.mask))
        cfg["arguments"] = serialization.serialize_keras_object(self.arguments)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Python lambdas load only with `safe_mode=False` (they execute stored bytecode)."""
        config = dict(config)
        safe = _in_safe_mode() if safe_mode is None else safe_mode is not False
        for key in ("function", "output_shape", "mask"):
            if key not in config or config[key] is None:
                continue
            value = config[key]
            if isinstance(value, dict) and value.get("class_name") == "__lambda__":
                if safe:
                    raise ValueError(
                        "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. "
                        "This carries a potential risk of arbitrary code execution and thus it is disallowed by "
                        "default. If you trust the source of the config, pass `safe_mode=False` to the loading "
                        "function.")
                config[key] = _load_lambda(value["config"])
            elif key == "output_shape" and (_is_shape(value) or not isinstance(value, dict)):
                config[key] = tuple(value) if _is_shape(value) else value
            else:
                config[key] = serialization.deserialize_keras_object(value, custom_objects=custom_objects)
        if "arguments" in config:
            config["arguments"] = serialization.deserialize_keras_object(config["arguments"],
                                                                         custom_objects=custom_objects)
        if "batch_shape" in config and "batch_input_shape" not in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        return cls(**config)
