"""keras.quantizers: quantizers, quantization configs and the quantization functions."""

import inspect

from torchkeras.config import to_snake_case
from torchkeras.quantizers.awq_config import AWQConfig
from torchkeras.quantizers.fake_quant import fake_quant_with_min_max_vars
from torchkeras.quantizers.gptq_config import GPTQConfig
from torchkeras.quantizers.quantization_config import (
    Float8QuantizationConfig,
    Int4QuantizationConfig,
    Int8QuantizationConfig,
    QuantizationConfig,
)
from torchkeras.quantizers.quantizers import (
    AbsMaxQuantizer,
    Quantizer,
    abs_max_quantize,
    abs_max_quantize_grouped_with_zero_point,
    compute_float8_amax_history,
    compute_float8_scale,
    pack_int4,
    quantize_and_dequantize,
    unpack_int4,
)

ALL_OBJECTS = (Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig, Int4QuantizationConfig,
               Float8QuantizationConfig, GPTQConfig, AWQConfig)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})


def serialize(initializer):
    from torchkeras.utils.serialization import serialize_keras_object
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """A quantizer or quantization config from its config."""
    from torchkeras.utils.serialization import deserialize_keras_object
    return deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


def get(identifier, **kwargs):
    """A quantizer from None, a config dict, a class name ("abs_max_quantizer") or an instance."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier, None)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj(kwargs)
        return obj
    raise ValueError(f"Could not interpret quantizer identifier: {identifier}")


__all__ = ["Quantizer", "AbsMaxQuantizer", "QuantizationConfig", "Int8QuantizationConfig", "Int4QuantizationConfig",
           "Float8QuantizationConfig", "GPTQConfig", "AWQConfig", "abs_max_quantize", "abs_max_quantize_grouped_with_zero_point",
           "compute_float8_amax_history", "compute_float8_scale", "fake_quant_with_min_max_vars", "pack_int4",
           "quantize_and_dequantize", "unpack_int4", "get", "serialize", "deserialize"]
