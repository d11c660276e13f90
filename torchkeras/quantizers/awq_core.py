"""Model-level AWQ as Keras 3.15's keras.src.quantizers.awq_core: the GPTQ block-by-block loop with AWQ's
per-channel activation statistics. As in Keras, the statistics are gathered through the layers' `call`,
which layers already in the awq mode do not run, so they stay zero there and the scale search keeps
scales of 1 (see gptq_core)."""

from torchkeras.quantizers.awq_config import AWQConfig
from torchkeras.quantizers.gptq_core import get_dataloader, run_layerwise, stream_inputs


def stream_activations(layers_map, awq_objects):
    return stream_inputs(layers_map, lambda name, x: awq_objects[name].update_activation_magnitudes(x))


def apply_awq_layerwise(dataloader, config, structure, filters=None):
    from torchkeras.quantizers.awq import AWQ
    run_layerwise(dataloader, config.num_samples, structure, filters, lambda layer: AWQ(layer, config),
                  stream_activations, lambda obj: obj.quantize_layer(),
                  "No sequential blocks found in the structure to quantize.")


def awq_quantize(config, quantization_layer_structure, filters=None):
    """Quantize the blocks of `quantization_layer_structure` with AWQ (layers already in awq mode)."""
    if config.dataset is None or config.tokenizer is None:
        raise ValueError("AWQ quantization requires a dataset and tokenizer. Please provide them in the AWQConfig.")
    if quantization_layer_structure is None:
        raise ValueError("For 'awq' mode, a valid quantization structure must be provided either via "
                         "`config.quantization_layer_structure` or by overriding "
                         "`model.get_quantization_layer_structure(mode)`. The structure should be a dictionary "
                         "with keys 'pre_block_layers' and 'sequential_blocks'.")
    data = get_dataloader(config.tokenizer, config.sequence_length, config.dataset, num_samples=config.num_samples)
    apply_awq_layerwise(data[:config.num_samples], config, quantization_layer_structure, filters=filters)


def get_group_size_for_layer(layer, config):
    """The AWQ group size from `config`, else from the layer's AWQDTypePolicy."""
    from torchkeras.dtype_policies import AWQDTypePolicy, DTypePolicyMap
    if config and isinstance(config, AWQConfig):
        return config.group_size
    policy = layer.dtype_policy
    if isinstance(policy, DTypePolicyMap):
        policy = policy[getattr(layer, "path", None) or layer.name]
    if isinstance(policy, AWQDTypePolicy):
        return policy.group_size
    raise ValueError("For AWQ quantization, group_size must be specified through AWQConfig or AWQDTypePolicy.")
