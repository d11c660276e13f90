"""Keras internals that torchkeras has an equivalent of: `keras.src` names Keras does not export,
answered by the torchkeras object that plays the same part, so the tests that use them really
exercise torchkeras instead of being excluded.

Only objects whose behaviour a test measures against torchkeras belong here (Keras's Trainer mixin,
its data adapters, its compile-time loss/metric containers, file helpers, dtype helpers...), plus
third-party modules Keras reaches through `module_utils` (the real library, never a stand-in).
A name that is mapped but absent from torchkeras fails its tests (it is a gap, not an exclusion).
"""

import importlib

from conformance.keras_suite.placeholders import MissingName

# keras.src name -> "torchkeras.module:attribute"
NAMES = {
    "keras.src.backend.torch.trainer.TorchTrainer": "torchkeras.trainers.trainer:Trainer",
    "keras.src.backend.common.backend_utils.compute_conv_transpose_output_shape":
        "torchkeras.utils.conv_utils:compute_conv_transpose_output_shape",
    "keras.src.backend.common.backend_utils.compute_conv_transpose_padding_args_for_jax":
        "torchkeras.utils.conv_utils:compute_conv_transpose_padding_args_for_jax",
    "keras.src.backend.get_keras_mask": "torchkeras.utils.masking:get_keras_mask",
    "keras.src.backend.set_keras_mask": "torchkeras.utils.masking:set_keras_mask",
    "keras.src.backend.common.masking.get_keras_mask": "torchkeras.utils.masking:get_keras_mask",
    "keras.src.backend.common.masking.set_keras_mask": "torchkeras.utils.masking:set_keras_mask",
    "keras.src.trainers.data_adapters.data_adapter_utils.class_weight_to_sample_weights":
        "torchkeras.trainers.data_adapter:class_weight_to_sample_weights",
    "keras.src.trainers.compile_utils.CompileLoss": "torchkeras.trainers.compile_utils:CompileLoss",
    "keras.src.trainers.compile_utils.CompileMetrics": "torchkeras.trainers.compile_utils:CompileMetrics",
    # Keras's `.keras` / `.weights.h5` writers and readers behind `keras.saving.*` and `Model.save*`.
    "keras.src.saving.saving_lib.save_model": "torchkeras.saving.saving_api:save_model",
    "keras.src.saving.saving_lib.load_model": "torchkeras.saving.saving_api:load_model",
    "keras.src.saving.saving_lib.save_weights_only": "torchkeras.saving.saving_api:save_weights",
    "keras.src.saving.saving_lib.load_weights_only": "torchkeras.saving.saving_api:load_weights",
    # Keras's legacy HDF5 writer (what `model.save("x.h5")` runs).
    "keras.src.legacy.saving.legacy_h5_format.save_model_to_hdf5": "torchkeras.saving.saving_api:save_model",
    # Base classes and helpers torchkeras's own layers are built on.
    "keras.src.layers.IndexLookup": "torchkeras.layers.preprocessing.index_lookup:IndexLookup",
    "keras.src.layers.preprocessing.index_lookup.IndexLookup":
        "torchkeras.layers.preprocessing.index_lookup:IndexLookup",
    "keras.src.layers.preprocessing.data_layer.DataLayer": "torchkeras.layers.preprocessing.data_layer:DataLayer",
    "keras.src.layers.rnn.dropout_rnn_cell.DropoutRNNCell":
        "torchkeras.layers.rnn.dropout_rnn_cell:DropoutRNNCell",
    "keras.src.layers.rnn.conv_lstm.ConvLSTMCell": "torchkeras.layers.rnn.conv_lstm_cell:ConvLSTMCell",
    "keras.src.layers.rnn.conv_lstm.ConvLSTM": "torchkeras.layers.rnn.conv_lstm:ConvLSTM",
    "keras.src.backend.common.symbolic_scope.in_symbolic_scope": "torchkeras.scopes:in_symbolic_scope",
    "keras.src.backend.common.symbolic_scope.SymbolicScope": "torchkeras.scopes:SymbolicScope",
    "keras.src.backend.standardize_data_format": "torchkeras.config:standardize_data_format",
    "keras.src.backend.config.standardize_data_format": "torchkeras.config:standardize_data_format",
    "keras.src.backend.standardize_shape": "torchkeras.layers.layer:standardize_shape",
    "keras.src.regularizers.regularizers.validate_float_arg": "torchkeras.regularizers:_validate_float_arg",
    "keras.src.utils.summary_utils.print_summary": "torchkeras.utils.summary_utils:print_summary",
    "keras.src.losses.loss.squeeze_or_expand_to_same_rank":
        "torchkeras.losses._utils:squeeze_or_expand_to_same_rank",
    # GPTQ/AWQ's zero-point quantizer helpers (Keras exports only the configs).
    "keras.src.quantizers.compute_quantization_parameters": "torchkeras.quantizers.zero_point:compute_quantization_parameters",
    "keras.src.quantizers.quantizers.compute_quantization_parameters": "torchkeras.quantizers.zero_point:compute_quantization_parameters",
    "keras.src.quantizers.quantize_with_zero_point": "torchkeras.quantizers.zero_point:quantize_with_zero_point",
    "keras.src.quantizers.quantizers.quantize_with_zero_point": "torchkeras.quantizers.zero_point:quantize_with_zero_point",
    "keras.src.quantizers.dequantize_with_zero_point": "torchkeras.quantizers.zero_point:dequantize_with_zero_point",
    "keras.src.quantizers.quantizers.dequantize_with_zero_point": "torchkeras.quantizers.zero_point:dequantize_with_zero_point",
    "keras.src.quantizers.quantize_with_sz_map": "torchkeras.quantizers.zero_point:quantize_with_sz_map",
    "keras.src.quantizers.quantizers.quantize_with_sz_map": "torchkeras.quantizers.zero_point:quantize_with_sz_map",
    "keras.src.quantizers.dequantize_with_sz_map": "torchkeras.quantizers.zero_point:dequantize_with_sz_map",
    "keras.src.quantizers.quantizers.dequantize_with_sz_map": "torchkeras.quantizers.zero_point:dequantize_with_sz_map",
    "keras.src.quantizers.GPTQQuantizer": "torchkeras.quantizers.zero_point:GPTQQuantizer",
    "keras.src.quantizers.quantizers.GPTQQuantizer": "torchkeras.quantizers.zero_point:GPTQQuantizer",
    "keras.src.quantizers.quantization_config.validate_and_resolve_config":
        "torchkeras.quantizers.quantization_config:validate_and_resolve_config",
}

# keras.src module -> torchkeras module answering every attribute (by the same name)
MODULES = {
    "keras.src.tree.torchtree_impl": "torchkeras.tree",
    "keras.src.utils.file_utils": "torchkeras.utils.file_utils",
    "keras.src.utils.dtype_utils": "torchkeras.utils.dtype_utils",
    "keras.src.ops.operation_utils": "torchkeras.utils.shape_utils",
    "keras.src.quantizers.gptq": "torchkeras.quantizers.gptq",
    "keras.src.quantizers.awq": "torchkeras.quantizers.awq",
    "keras.src.quantizers.gptq_core": "torchkeras.quantizers.gptq_core",
    "keras.src.quantizers.awq_core": "torchkeras.quantizers.awq_core",
    "keras.src.quantizers.utils": "torchkeras.quantizers.gptq_core",
}


# Operation classes the map's op-class rule did not pair with their public op (the class name
# differs from the op's): keras.src name -> (public op, the class's __init__ arguments)
OP_CLASSES = {
    "keras.src.ops.nn.RMSNorm": ("keras.ops.rms_normalization", ["axis", "epsilon"]),
    "keras.src.ops.nn.LayerNorm": ("keras.ops.layer_normalization", ["axis", "epsilon", "rms_scaling"]),
}


class ThirdParty:
    """Keras's `module_utils.LazyModule`: a third-party library imported on first use."""

    def __init__(self, name):
        self.name = name
        self.module = None

    @property
    def available(self):
        try:
            self.initialize()
        except ImportError:
            return False
        return True

    def initialize(self):
        if self.module is None:
            self.module = importlib.import_module(self.name)

    def __getattr__(self, attr):
        if attr.startswith("__") or attr in ("name", "module"):
            raise AttributeError(attr)
        self.initialize()
        return getattr(self.module, attr)

    def __repr__(self):
        return f"LazyModule({self.name})"


_THIRD_PARTY = {"tensorflow": "tensorflow", "scipy": "scipy", "jax": "jax", "h5py": "h5py",
                "optree": "optree", "dmtree": "tree"}


def _resolve(target, asked):
    module, _, attr = target.partition(":")
    try:
        obj = importlib.import_module(module)
    except ImportError:
        return MissingName(target.replace(":", "."), asked)
    return getattr(obj, attr) if hasattr(obj, attr) else MissingName(target.replace(":", "."), asked)


def lookup(module, attr):
    """torchkeras's equivalent of the Keras internal `module.attr`, or None when there is none."""
    asked = f"{module}.{attr}"
    if asked in NAMES:
        return _resolve(NAMES[asked], asked)
    if asked in OP_CLASSES:
        from conformance.keras_suite import shim

        op, init = OP_CLASSES[asked]
        return shim.op_class({"o": [op], "init": init}, asked)
    if module in MODULES:
        return _resolve(f"{MODULES[module]}:{attr}", asked)
    if module == "keras.src.utils.module_utils" and attr in _THIRD_PARTY:
        return ThirdParty(_THIRD_PARTY[attr])
    return None
