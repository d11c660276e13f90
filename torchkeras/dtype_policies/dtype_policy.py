"""Keras 3's dtype policies: float/mixed policies and the quantized ones (int8, int4, float8, ...).

`DTypePolicy` extends the mixed-precision policy class of torchkeras.mixed_precision (so
`isinstance(p, mixed_precision.DTypePolicy)` holds) with Keras 3's full surface: any dtype name,
`quantization_mode`, `convert_input`, Keras's equality and repr. A quantized policy's name is
`"<mode>_from_<source policy>"`; its compute/variable dtypes are the source policy's.
"""

from torchkeras.mixed_precision import policy as _mp

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")
_DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
           "uint32", "uint64", "bool", "float8_e4m3fn", "float8_e5m2", "complex64", "complex128")
_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "int": "int64"}


def _global_name():
    return _mp.global_policy().name


class DTypePolicy(_mp.DTypePolicy):
    """A dtype policy: `name`, `compute_dtype`, `variable_dtype`, `quantization_mode` (None here).

    Args:
        name: a dtype name ("float32", "bfloat16", ...) or "mixed_float16" / "mixed_bfloat16";
            None takes the global policy's name.
    """

    _keras_module = "keras"

    def __init__(self, name=None):
        if name is None:
            name = _global_name()
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode = None

    def _parse_name(self, name):
        if not isinstance(name, str):
            raise TypeError("'name' must be a string, such as 'mixed_float16'. "
                            f"Received: name={name} (of type {type(name)})")
        if name == "mixed_float16":
            return "float16", "float32"
        if name == "mixed_bfloat16":
            return "bfloat16", "float32"
        dtype = _ALIASES.get(name, name)
        if dtype not in _DTYPES:
            raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include "
                             "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as "
                             "'float32'.")
        return dtype, dtype

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute_dtype

    @property
    def variable_dtype(self):
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return self._quantization_mode

    def convert_input(self, x, autocast, dtype):
        """Casts a float tensor `x` to `dtype` when `autocast` is set (Keras's layer input rule)."""
        import numpy as np
        import torch

        from torchkeras.keras_tensor import torch_dtype
        if not isinstance(x, torch.Tensor) and hasattr(x, "__array__"):
            x = torch.as_tensor(np.asarray(x))
        if isinstance(x, torch.Tensor) and autocast and x.is_floating_point() and \
                str(x.dtype).replace("torch.", "") != dtype:
            x = x.to(torch_dtype(dtype))
        return x

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, cfg):
        return cls(**cfg)

    def __repr__(self):
        name = type(self).__name__
        return f'<{"DTypePolicy" if name == "FloatDTypePolicy" else name} "{self._name}">'

    def __eq__(self, other):
        if type(self) in (DTypePolicy, FloatDTypePolicy):
            if type(other) not in (DTypePolicy, FloatDTypePolicy):
                return False
        elif type(other) is not type(self):
            return False
        return self._name == other._name

    def __hash__(self):
        return hash((type(self).__name__, self._name))


class FloatDTypePolicy(DTypePolicy):
    """Keras's alias class of DTypePolicy (kept for configs that name it)."""

    _keras_module = "keras"


class QuantizedDTypePolicy(DTypePolicy):
    """Policy of a quantized layer: `mode` ("int8", "int4", ...) over the `source_name` policy."""

    _keras_module = "keras.dtype_policies"

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = _global_name()
        name = f"{mode}_from_{source_name}"
        self._compute_dtype, self._variable_dtype = self._parse_name(source_name)
        self._check_quantization_mode(mode, self._compute_dtype)
        self._name = name
        self._source_name = source_name
        self._quantization_mode = mode

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self._quantization_mode == other._quantization_mode and self._source_name == other._source_name

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        return {"mode": self._quantization_mode, "source_name": self._source_name}

    def _check_quantization_mode(self, mode, compute_dtype):
        if mode not in QUANTIZATION_MODES:
            raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: "
                             f"mode={mode}")
        if compute_dtype == "float16" and mode == "int8":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'.")


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """Float8 training policy; `amax_history_length` sets the scaling-factor history window."""

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int):
            raise TypeError("`amax_history_length` must be an integer. "
                            f"Received: amax_history_length={amax_history_length}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self):
        return self._amax_history_length

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self._amax_history_length == other._amax_history_length

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        cfg = super().get_config()
        cfg["amax_history_length"] = self.amax_history_length
        return cfg


def _split_mode(cls_name, mode, parts_wanted, fmt):
    parts = mode.split("/") if isinstance(mode, str) else []
    if len(parts) != parts_wanted or parts[0] != fmt.split("/")[0].strip('"'):
        raise ValueError(f"Invalid mode for {cls_name}. Expected format {fmt}, but got '{mode}'.")
    return parts


class Int4DTypePolicy(QuantizedDTypePolicy):
    """int4 policy carrying the sub-channel block size: mode "int4/<block_size>" (-1: per channel)."""

    def __init__(self, mode, source_name=None):
        fmt = '"int4/<block_size>"'
        parts = _split_mode("Int4DTypePolicy", mode, 2, fmt)
        try:
            block_size = int(parts[1])
        except ValueError:
            raise ValueError(f"Invalid mode for Int4DTypePolicy. <block_size> must be an integer. Expected format "
                             f"{fmt}, but got '{mode}'.") from None
        if block_size < -1 or block_size == 0:
            raise ValueError("Invalid block_size in mode. Supported values are -1 (per-channel) or a positive "
                             f"integer (sub-channel), but got {block_size} from '{mode}'.")
        super().__init__(mode="int4", source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = "int4"
        self.block_size = block_size

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self.block_size == other.block_size

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        cfg = super().get_config()
        cfg["mode"] = f"{self.mode}/{self.block_size}"
        return cfg


class _BitsGroupPolicy(QuantizedDTypePolicy):
    _algo = None

    def __init__(self, mode, source_name=None):
        cls = type(self).__name__
        fmt = f'"{self._algo}/<weight_bits>/<group_size>"'
        parts = _split_mode(cls, mode, 3, fmt)
        try:
            weight_bits, group_size = int(parts[1]), int(parts[2])
        except ValueError:
            raise ValueError(f"Invalid mode for {cls}. <weight_bits> and <group_size> must be integers. Expected "
                             f"format {fmt}, but got '{mode}'.") from None
        self._check_bits(weight_bits, mode)
        if group_size < -1 or group_size == 0:
            what = "whole-tensor" if self._algo == "gptq" else "per-channel"
            raise ValueError(f"Invalid group_size in mode. Supported values are -1 ({what}) or a positive integer, "
                             f"but got {group_size} from '{mode}'.")
        super().__init__(mode=self._algo, source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = self._algo
        self.weight_bits = weight_bits
        self.group_size = group_size

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self.weight_bits == other.weight_bits and self.group_size == other.group_size

    __hash__ = DTypePolicy.__hash__

    def get_config(self):
        cfg = super().get_config()
        cfg["mode"] = f"{self.mode}/{self.weight_bits}/{self.group_size}"
        return cfg


class GPTQDTypePolicy(_BitsGroupPolicy):
    """GPTQ policy, mode "gptq/<weight_bits>/<group_size>": the layer holds GPTQ's variables (see
    torchkeras/quantizers/calibrated_support.py); `Model.quantize("gptq", config=GPTQConfig(...))` sets it."""

    _algo = "gptq"

    def _check_bits(self, bits, mode):
        if bits not in (2, 3, 4, 8):
            raise ValueError(f"Invalid weight_bits in mode. Supported values are 2, 3, 4, and 8, but got {bits} "
                             f"from '{mode}'.")


class AWQDTypePolicy(_BitsGroupPolicy):
    """AWQ policy, mode "awq/4/<group_size>": the layer holds AWQ's variables (see
    torchkeras/quantizers/calibrated_support.py); `Model.quantize("awq", config=AWQConfig(...))` sets it."""

    _algo = "awq"

    def _check_bits(self, bits, mode):
        if bits != 4:
            raise ValueError(f"Invalid weight_bits in mode. AWQ only supports 4-bit quantization, but got {bits} "
                             f"from '{mode}'.")


def quantized_policy_from_str(policy):
    """"int8_from_float32" -> QuantizedDTypePolicy("int8", "float32"), and so on for every mode."""
    if not isinstance(policy, str):
        raise TypeError(f"`policy` must be a string. Received: policy={policy}")
    if not policy.startswith(QUANTIZATION_MODES):
        raise ValueError("`policy` is incompatible with the current supported quantization.")
    split = policy.split("_from_")
    if len(split) != 2:
        raise ValueError("Cannot convert `policy` into a valid pair (`mode`, `source_name`) to instantiate "
                         f"`QuantizedDTypePolicy`. Received: policy={policy}")
    mode, source = split
    if policy.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source)
    if policy.startswith(("int8", "int4")):
        return QuantizedDTypePolicy(mode, source)
    if policy.startswith("gptq"):
        return GPTQDTypePolicy(mode, source)
    if policy.startswith("awq"):
        return AWQDTypePolicy(mode, source)
    return QuantizedFloat8DTypePolicy(mode, source)

