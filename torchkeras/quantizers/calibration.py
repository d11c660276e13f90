"""Model.quantize's "gptq" / "awq" step (after its layers were switched to the mode): resolve the block
structure and run the calibrated quantization, as Keras 3.15's Model.quantize."""


def quantize_model_calibrated(model, mode, config, filters=None):
    structure = config.quantization_layer_structure
    if structure is None:
        structure = model.get_quantization_layer_structure(mode)
    if structure is None:
        raise ValueError(f"For mode={mode!r}, a valid quantization structure must be provided either via "
                         "`config.quantization_layer_structure` or by overriding "
                         "`model.get_quantization_layer_structure(mode)`. The structure should be a dictionary "
                         "with keys 'pre_block_layers' and 'sequential_blocks'.")
    if mode == "gptq":
        from torchkeras.quantizers.gptq_core import gptq_quantize
        gptq_quantize(config, structure, filters=filters)
    else:
        from torchkeras.quantizers.awq_core import awq_quantize
        awq_quantize(config, structure, filters=filters)
