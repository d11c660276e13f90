"""keras.quantizers.AWQConfig: the settings of AWQ post-training quantization (Keras 3.15)."""

from torchkeras.quantizers.quantization_config import QuantizationConfig


class AWQConfig(QuantizationConfig):
    """Configuration of AWQ (activation-aware weight quantization: per-input-channel scales found by a
    grid search over `x_max ** ratio` protect the weights of large activations; 4-bit only).

    Args:
        dataset: calibration data: an iterable of strings (tokenized with `tokenizer`) or of token arrays.
        tokenizer: a callable with a `tokenize(text)` method used for string data.
        weight_bits: must be 4. Default 4.
        num_samples: calibration windows to use (> 0). Default 128.
        sequence_length: tokens per calibration window (> 0). Default 512.
        group_size: input features sharing a scale / zero point; -1: per channel. Default 128.
        num_grid_points: ratios tried in the scale search (> 0). Default 20.
        quantization_layer_structure: {"pre_block_layers": [...], "sequential_blocks": [...]}; else the
            model's `get_quantization_layer_structure("awq")`.
    """

    def __init__(self, dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128,
                 sequence_length: int = 512, group_size: int = 128, num_grid_points: int = 20,
                 quantization_layer_structure: dict = None):
        super().__init__()
        if weight_bits != 4:
            raise ValueError(f"AWQ only supports 4-bit quantization. Received weight_bits={weight_bits}.")
        if num_samples <= 0:
            raise ValueError("num_samples must be a positive integer.")
        if sequence_length <= 0:
            raise ValueError("sequence_length must be a positive integer.")
        if group_size < -1 or group_size == 0:
            raise ValueError("Invalid group_size. Supported values are -1 (per-channel) or a positive integer, "
                             f"but got {group_size}.")
        if num_grid_points <= 0:
            raise ValueError("num_grid_points must be a positive integer.")
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.weight_bits = weight_bits
        self.num_samples = num_samples
        self.sequence_length = sequence_length
        self.group_size = group_size
        self.num_grid_points = num_grid_points
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self):
        return "awq"

    def dtype_policy_string(self):
        """"awq/<weight_bits>/<group_size>", the mode part of the layers' dtype policy."""
        return f"awq/{self.weight_bits}/{self.group_size}"

    def get_config(self):
        # The dataset and tokenizer serve the one-time calibration only: they are not saved.
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits,
                "num_samples": self.num_samples, "sequence_length": self.sequence_length,
                "group_size": self.group_size, "num_grid_points": self.num_grid_points,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
