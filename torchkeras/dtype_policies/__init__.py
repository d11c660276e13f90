"""keras.dtype_policies: DTypePolicy and its quantized variants, DTypePolicyMap, get/serialize/deserialize."""

from torchkeras.dtype_policies.dtype_policy import (
    QUANTIZATION_MODES,
    AWQDTypePolicy,
    DTypePolicy,
    FloatDTypePolicy,
    GPTQDTypePolicy,
    Int4DTypePolicy,
    QuantizedDTypePolicy,
    QuantizedFloat8DTypePolicy,
    quantized_policy_from_str,
)
from torchkeras.dtype_policies.dtype_policy_map import DTypePolicyMap

ALL_OBJECTS = (AWQDTypePolicy, DTypePolicy, FloatDTypePolicy, QuantizedDTypePolicy, QuantizedFloat8DTypePolicy,
               DTypePolicyMap, GPTQDTypePolicy, Int4DTypePolicy)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}


def serialize(dtype_policy):
    """A DTypePolicy -> its Keras config dict ({"module", "class_name", "config", "registered_name"})."""
    from torchkeras.utils.serialization import serialize_keras_object
    return serialize_keras_object(dtype_policy)


def deserialize(config, custom_objects=None):
    """The inverse of `serialize`."""
    from torchkeras.utils.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT)


def get(identifier):
    """A DTypePolicy from None (the global policy), a name, a config dict or a policy."""
    import torch

    from torchkeras.mixed_precision import policy as _mp
    if identifier is None:
        identifier = _mp.global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, _mp.DTypePolicy):
        return DTypePolicy(identifier.name)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):
            return quantized_policy_from_str(identifier)
        return DTypePolicy(identifier)
    if isinstance(identifier, torch.dtype):
        return DTypePolicy(str(identifier).replace("torch.", ""))
    try:
        import numpy as np
        return DTypePolicy(np.dtype(identifier).name)
    except Exception:
        raise ValueError("Cannot interpret `dtype` argument. Expected a string or an instance of DTypePolicy. "
                         f"Received: dtype={identifier}") from None


__all__ = ["DTypePolicy", "FloatDTypePolicy", "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy",
           "Int4DTypePolicy", "GPTQDTypePolicy", "AWQDTypePolicy", "DTypePolicyMap", "get", "serialize",
           "deserialize"]
