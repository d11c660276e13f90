"""QuantizationConfig and its int8 / int4 / float8 subclasses, and the mode/config resolution rule."""

from torchkeras.dtype_policies import QUANTIZATION_MODES
from torchkeras.quantizers.quantizers import AbsMaxQuantizer


def _ser(obj):
    from torchkeras.utils.serialization import serialize_keras_object
    return serialize_keras_object(obj)


def _de(cfg):
    from torchkeras.quantizers import deserialize
    return None if cfg is None else deserialize(cfg)


class QuantizationConfig:
    """Base class: a weight quantizer and an activation quantizer; subclasses define `mode`."""

    _keras_module = "keras.quantizers"

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        raise NotImplementedError("Subclasses must implement this property. Do not instantiate "
                                  "QuantizationConfig directly.")

    def get_config(self):
        return {"weight_quantizer": _ser(self.weight_quantizer),
                "activation_quantizer": _ser(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=_de(config.get("weight_quantizer")),
                   activation_quantizer=_de(config.get("activation_quantizer")))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        if config is not None:
            return config.activation_quantizer
        return default


class Int8QuantizationConfig(QuantizationConfig):
    """int8: per-output-channel abs-max weights; activations abs-max per row by default."""

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        if activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if self.weight_quantizer is not None and self.weight_quantizer.output_dtype != "int8":
            raise ValueError("Int8QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                             f"Received: output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """int4: `block_size` rows per group (sub-channel, asymmetric; default 128) or None / -1 (per channel)."""

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError(f"block_size must be None, -1, or a positive integer. Received: block_size={block_size}")
        self.block_size = block_size
        if block_size is not None and block_size > 0 and (weight_quantizer is not None
                                                          or self.activation_quantizer is not None):
            raise ValueError("Int4 sub-channel quantization (block_size > 0) does not support custom quantizers. "
                             "Either set block_size to None or -1 for per-channel quantization, or remove the "
                             f"custom quantizer arguments. Received: block_size={block_size}")
        if weight_quantizer is not None:
            if tuple(weight_quantizer.value_range) != (-8, 7):
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with value_range=(-8, 7). "
                                 f"Received: value_range={weight_quantizer.value_range}")
            if weight_quantizer.output_dtype != "int8":
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                                 f"Received: output_dtype={weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int4"

    def get_config(self):
        cfg = super().get_config()
        cfg["block_size"] = self.block_size
        return cfg

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=_de(config.get("weight_quantizer")),
                   activation_quantizer=_de(config.get("activation_quantizer")),
                   block_size=config.get("block_size", 128))


class Float8QuantizationConfig(QuantizationConfig):
    """float8 training (delayed scaling); takes no custom quantizers."""

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self):
        return "float8"

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()


def validate_and_resolve_config(mode, config):
    """(mode, config) -> a config: a default one for the mode, or the given one checked against it."""
    if isinstance(config, str):
        mode, config = config, None
    _validate_mode(mode)
    if config is None:
        if mode == "int8":
            return Int8QuantizationConfig()
        if mode == "int4":
            return Int4QuantizationConfig()
        if mode == "float8":
            return Float8QuantizationConfig()
        if mode == "gptq":
            raise ValueError("For GPTQ, you must pass a `GPTQConfig` object in the `config` argument.")
        if mode == "awq":
            raise ValueError("For AWQ, you must pass an `AWQConfig` object in the `config` argument.")
        raise ValueError("You must provide either `mode` or `config` to `quantize`.")
    if not isinstance(config, QuantizationConfig):
        raise ValueError("Argument `config` must be an instance of `QuantizationConfig`. "
                         f"Received: config={config} (of type {type(config)})")
    if mode is not None and config.mode != mode:
        raise ValueError(f"Contradictory arguments: mode='{mode}' but config.mode='{config.mode}'")
    _validate_mode(config.mode)
    if config.mode == "gptq":
        from torchkeras.quantizers.gptq_config import GPTQConfig
        if not isinstance(config, GPTQConfig):
            raise ValueError(f"Mode 'gptq' requires a valid `config` argument of type `GPTQConfig`. Received: "
                             f"{type(config)}")
    if config.mode == "awq":
        from torchkeras.quantizers.awq_config import AWQConfig
        if not isinstance(config, AWQConfig):
            raise ValueError(f"Mode 'awq' requires a valid `config` argument of type `AWQConfig`. Received: "
                             f"{type(config)}")
    return config


def _validate_mode(mode):
    if mode is not None and mode not in QUANTIZATION_MODES:
        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: mode={mode}")


def block_size_for_layer(layer, config):
    """The int4 block size from `config`, else from the layer's Int4DTypePolicy (None: per channel)."""
    from torchkeras.dtype_policies import DTypePolicyMap, Int4DTypePolicy
    if isinstance(config, Int4QuantizationConfig):
        return config.block_size
    policy = layer.dtype_policy
    if isinstance(policy, DTypePolicyMap):
        policy = policy[layer.path] if hasattr(layer, "path") else policy.default_policy
    if isinstance(policy, Int4DTypePolicy):
        return None if policy.block_size == -1 else policy.block_size
    return None
