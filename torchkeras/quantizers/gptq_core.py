"""Model-level GPTQ as Keras 3.15's keras.src.quantizers.gptq_core: calibration windows from the config's
dataset, then block by block (`quantization_layer_structure`) the Dense / EinsumDense layers of each
block are quantized and the block's outputs feed the next block.

Keras 3.15 streams each layer's inputs into its Hessian by wrapping the layer's `call`; the layers have
already been switched to the gptq mode by `Model.quantize`, and a quantized layer runs `quantized_call`
rather than `call`, so in Keras the wrapper never runs and every Hessian stays zero (the dampened
identity is then used: plain round-to-nearest per column). `stream_hessians` keeps exactly that rule
(only a layer without a quantization mode feeds its Hessian), so the weights match Keras's; use
`GPTQ(layer).update_hessian_with_batch` directly for Hessian-driven quantization of a layer.
"""

import math
from contextlib import contextmanager

import numpy as np
import torch

from torchkeras.quantizers.gptq_config import GPTQConfig
from torchkeras.quantizers.quantizers import _tensor


def should_quantize_layer(layer, filters):
    import re
    if filters is None:
        return True
    if isinstance(filters, str):
        return bool(re.search(filters, layer.name))
    if isinstance(filters, (list, tuple)):
        return any(re.search(p, layer.name) for p in filters)
    if callable(filters):
        return filters(layer)
    return True


@contextmanager
def stream_inputs(layers_map, update):
    """Within the block, `update(name, inputs_2d)` sees each un-quantized mapped layer's inputs."""
    patched = {}

    def hook(name, layer, original):
        def call(*args, **kwargs):
            inp = args[0] if args else kwargs["inputs"]
            update(name, _tensor(inp).reshape(-1, inp.shape[-1]))
            return original(*args, **kwargs)
        return call

    try:
        for name, layer in layers_map.items():
            if layer.quantization_mode is not None:
                continue  # as Keras: the wrapped `call` is not what a quantized layer runs
            patched[name] = layer.__dict__.get("call")
            layer.__dict__["call"] = hook(name, layer, layer.call)
        yield
    finally:
        for name, original in patched.items():
            layer = layers_map[name]
            if original is None:
                layer.__dict__.pop("call", None)
            else:
                layer.__dict__["call"] = original


def stream_hessians(layers_map, gptq_objects):
    return stream_inputs(layers_map, lambda name, x: gptq_objects[name].update_hessian_with_batch(x))


def get_dataloader(tokenizer, sequence_length, dataset, num_samples=128, *, strategy="strided", seed=42,
                   stride=None, eos_id=None):
    """int32 windows (num_samples, 1, sequence_length) from a dataset of strings (tokenized) or token
    arrays, repeated when too short; windows start strided (default), evenly ("linspace") or at random."""
    if not hasattr(dataset, "__iter__") or isinstance(dataset, (str, bytes)):
        raise TypeError("The `dataset` argument must be an iterable (e.g., a list of strings, a generator, or a "
                        f"NumPy array). Got type: {type(dataset).__name__}. Please pass the loaded dataset directly.")
    items = list(dataset)
    if not items:
        raise ValueError("Provided dataset is empty.")
    pieces = []
    if isinstance(items[0], str):
        for i, s in enumerate(items):
            pieces.append(_numpy(tokenizer.tokenize(s)).reshape(-1))
            if eos_id is not None and i < len(items) - 1:
                pieces.append(np.array([eos_id], dtype=np.int32))  # no window across documents
    else:
        pieces = [_numpy(s).reshape(-1).astype(np.int32, copy=False) for s in items]
    tokens = pieces[0].astype(np.int32, copy=False) if len(pieces) == 1 else \
        np.concatenate(pieces, axis=0).astype(np.int32, copy=False)
    required = num_samples * sequence_length
    if tokens.size < required:
        tokens = np.tile(tokens, math.ceil(required / max(1, tokens.size)))
    max_start = tokens.size - sequence_length
    if max_start < 0:
        raise ValueError(f"Not enough tokens to form one sample of length {sequence_length} (have {tokens.size}).")
    if strategy == "random":
        starts = np.random.default_rng(seed).integers(0, max_start + 1, size=num_samples, dtype=np.int64)
    elif strategy == "linspace":
        starts = np.linspace(0, max_start, num_samples, dtype=np.int64)
    elif strategy == "strided":
        if stride is None:
            stride = max(1, (max_start + 1) // num_samples)
        # Keras's offset: Python's (per-process salted) hash of the seed, as there.
        offset = (abs(hash(("gptq-calib", seed))) % (max_start + 1)) if max_start > 0 else 0
        starts = (offset + np.arange(num_samples, dtype=np.int64) * stride) % (max_start + 1)
    else:
        raise ValueError(f"Unknown strategy: {strategy}")
    windows = np.lib.stride_tricks.sliding_window_view(tokens, sequence_length)
    return windows[starts].astype(np.int32)[:, None, :]


def _numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if hasattr(x, "value") and isinstance(getattr(x, "value"), torch.Tensor):
        return x.value.detach().cpu().numpy()
    return np.asarray(x)


def find_layers_in_block(block):
    """{path: layer} of the leaf Dense / EinsumDense layers of `block`."""
    from torchkeras.layers.core.dense import Dense
    from torchkeras.layers.core.einsum_dense import EinsumDense
    found = {}
    for sub in block._flatten_layers():
        if len(list(sub._flatten_layers())) == 1 and isinstance(sub, (Dense, EinsumDense)):
            found[getattr(sub, "path", None) or sub.name] = sub
    return found


def run_layerwise(dataloader, num_samples, structure, filters, make, stream, finish, empty_msg):
    """The block-by-block loop shared by GPTQ and AWQ."""
    from torchkeras.utils.progbar import Progbar
    pre_layers = structure.get("pre_block_layers", [])
    blocks = structure.get("sequential_blocks", [])
    if not blocks:
        raise ValueError(empty_msg)
    inputs = []
    with torch.no_grad():
        for batch in dataloader:
            batch = torch.as_tensor(np.asarray(batch), dtype=torch.int32)
            for layer in pre_layers:
                batch = layer(batch)
            inputs.append(batch)
        num_samples = min(num_samples, len(inputs))
        progbar = Progbar(target=len(blocks))
        for block_idx, block in enumerate(blocks):
            layers_map = {n: lyr for n, lyr in find_layers_in_block(block).items() if should_quantize_layer(lyr, filters)}
            if layers_map:
                objects = {name: make(layer) for name, layer in layers_map.items()}
                with stream(layers_map, objects):
                    for i in range(num_samples):
                        x = inputs[i]
                        block(x.unsqueeze(0) if x.dim() == 2 else x)
                for obj in objects.values():
                    finish(obj)
                    obj.free()
            if block_idx < len(blocks) - 1:
                nxt = []
                for i in range(num_samples):
                    x = inputs[i]
                    nxt.append(block(x.unsqueeze(0) if x.dim() == 2 else x)[0])
                inputs = nxt
            progbar.update(block_idx + 1)


def apply_gptq_layerwise(dataloader, config, structure, filters=None):
    from torchkeras.quantizers.gptq import GPTQ
    run_layerwise(dataloader, config.num_samples, structure, filters, lambda layer: GPTQ(layer, config),
                  stream_hessians, lambda obj: obj.quantize_and_correct_layer(),
                  "No sequential blocks found in the provided structure to quantize.")


def gptq_quantize(config, quantization_layer_structure, filters=None):
    """Quantize the blocks of `quantization_layer_structure` with GPTQ (layers already in gptq mode)."""
    if config.dataset is None or config.tokenizer is None:
        raise ValueError("GPTQ quantization requires a dataset and a tokenizer. Please provide them in the "
                         "`GPTQConfig`.")
    if quantization_layer_structure is None:
        raise ValueError("For 'gptq' mode, a valid quantization structure must be provided either via "
                         "`config.quantization_layer_structure` or by overriding "
                         "`model.get_quantization_layer_structure(mode)`. The structure should be a dictionary "
                         "with keys 'pre_block_layers' and 'sequential_blocks'.")
    data = get_dataloader(config.tokenizer, config.sequence_length, config.dataset, num_samples=config.num_samples)
    apply_gptq_layerwise(data[:config.num_samples], config, quantization_layer_structure, filters=filters)


def _policy_for(layer, cls):
    from torchkeras.dtype_policies import DTypePolicyMap
    policy = layer.dtype_policy
    if isinstance(policy, DTypePolicyMap):
        policy = policy[getattr(layer, "path", None) or layer.name]
        if not isinstance(policy, cls):
            raise ValueError(f"Expected a `dtype_policy` of type `{cls.__name__}`.Got: {type(policy)}")
    return policy if isinstance(policy, cls) else None


def _gptq_setting(layer, config, attr):
    """GPTQ's `attr` (group_size / weight_bits) from `config`, else from the layer's GPTQDTypePolicy."""
    from torchkeras.dtype_policies import GPTQDTypePolicy
    if config and isinstance(config, GPTQConfig):
        return getattr(config, attr)
    policy = _policy_for(layer, GPTQDTypePolicy)
    if policy is None:
        raise ValueError(f"For GPTQ quantization, the {attr} must be specifiedeither through a `dtype_policy` "
                         "of type `GPTQDTypePolicy` or the `config` argument.")
    return getattr(policy, attr)


def get_group_size_for_layer(layer, config):
    """The GPTQ group size from `config`, else from the layer's GPTQDTypePolicy."""
    return _gptq_setting(layer, config, "group_size")


def get_weight_bits_for_layer(layer, config):
    """The GPTQ weight bits from `config`, else from the layer's GPTQDTypePolicy."""
    return _gptq_setting(layer, config, "weight_bits")
