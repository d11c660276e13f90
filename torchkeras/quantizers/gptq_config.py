"""keras.quantizers.GPTQConfig: the settings of GPTQ post-training quantization (Keras 3.15)."""

from torchkeras.quantizers.quantization_config import QuantizationConfig


class GPTQConfig(QuantizationConfig):
    """Configuration of GPTQ (Hessian-based, column-by-column error-correcting weight quantization).

    Args:
        dataset: calibration data: an iterable of strings (tokenized with `tokenizer`) or of token
            arrays (a list, generator or NumPy array).
        tokenizer: a callable with a `tokenize(text)` method used for string data.
        weight_bits: 2, 3, 4 (packed two per byte) or 8. Default 4.
        num_samples: calibration windows to use (> 0). Default 128.
        per_channel: per output channel parameters (else one for the whole tensor). Default True.
        sequence_length: tokens per calibration window (> 0). Default 512.
        hessian_damping: fraction of the mean Hessian diagonal added to it, in [0, 1]. Default 0.01.
        group_size: input features sharing a scale / zero point; -1: one group. Default 128.
        symmetric: symmetric quantization (zero point at mid-range). Default False.
        activation_order: quantize columns by decreasing Hessian diagonal. Default False.
        quantization_layer_structure: {"pre_block_layers": [...], "sequential_blocks": [...]}; else the
            model's `get_quantization_layer_structure("gptq")`.

    `model.quantize("gptq", config=GPTQConfig(...))` quantizes every Dense / EinsumDense of the blocks.
    """

    def __init__(self, dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128,
                 per_channel: bool = True, sequence_length: int = 512, hessian_damping: float = 0.01,
                 group_size: int = 128, symmetric: bool = False, activation_order: bool = False,
                 quantization_layer_structure: dict = None):
        super().__init__()
        if weight_bits not in [2, 3, 4, 8]:
            raise ValueError(f"Unsupported weight_bits {weight_bits}. Supported values are 2, 3, 4, and 8.")
        if num_samples <= 0:
            raise ValueError("num_samples must be a positive integer.")
        if sequence_length <= 0:
            raise ValueError("sequence_length must be a positive integer.")
        if hessian_damping < 0 or hessian_damping > 1:
            raise ValueError("hessian_damping must be between 0 and 1.")
        if group_size < -1 or group_size == 0:
            raise ValueError("Invalid group_size. Supported values are -1 (whole-tensor) or a positive integer, "
                             f"but got {group_size}.")
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.num_samples = num_samples
        self.per_channel = per_channel
        self.sequence_length = sequence_length
        self.hessian_damping = hessian_damping
        self.weight_bits = weight_bits
        self.group_size = group_size
        self.symmetric = symmetric
        self.activation_order = activation_order
        self.quantization_layer_structure = quantization_layer_structure

    def get_config(self):
        # The dataset and tokenizer serve the one-time calibration only: they are not saved.
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits,
                "num_samples": self.num_samples, "per_channel": self.per_channel,
                "sequence_length": self.sequence_length, "hessian_damping": self.hessian_damping,
                "group_size": self.group_size, "symmetric": self.symmetric,
                "activation_order": self.activation_order,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @property
    def mode(self):
        return "gptq"

    def dtype_policy_string(self):
        """"gptq/<weight_bits>/<group_size>", the mode part of the layers' dtype policy."""
        return f"gptq/{self.weight_bits}/{self.group_size}"
