"""ReversibleEmbedding's quantized reverse projection (Keras 3.15's variables and numerics).

The untied `reverse_embeddings` (output_dim, input_dim) is quantized per vocabulary column: int8 keeps its
shape with `reverse_embeddings_scale` (input_dim,); int4 packs it along output_dim, with a per-column scale
or, in groups of `block_size` rows, (n_groups, input_dim) scale and zero point (the zero point is stored
as float32 there, as Keras creates it). A tied layer reuses the embeddings' quantized table transposed.
"""

import torch

from torchkeras.keras_tensor import torch_dtype
from torchkeras.quantizers import quantizers as Q
from torchkeras.quantizers.kernel_ops import int_matmul
from torchkeras.quantizers.layer_support import new_variable
from torchkeras.quantizers.quantization_config import QuantizationConfig


def _grouped(block):
    return block is not None and block != -1


def build_reverse(layer, mode, config, weight=None):
    """Create the quantized reverse variables (from the float `weight` when given, else placeholders)."""
    out_dim, in_dim = layer.output_dim, layer.input_dim
    block = getattr(layer, "_int4_block_size", None) if mode == "int4" else None
    value_range = (-127, 127) if mode == "int8" else (-8, 7)
    zero = None
    if _grouped(block):
        groups = -(-out_dim // block)
        if weight is None:
            q, scale, zero = (torch.zeros((out_dim, in_dim), dtype=torch.int8), torch.ones(groups, in_dim),
                              torch.zeros(groups, in_dim))
        else:
            q, scale, zero = Q.abs_max_quantize_grouped_with_zero_point(weight, block)
            zero = zero.to(torch.float32)
    elif weight is None:
        q, scale = torch.zeros((out_dim, in_dim), dtype=torch.int8), torch.ones(in_dim)
    else:
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, Q.AbsMaxQuantizer(axis=0, value_range=value_range))
        q, scale = quantizer(weight, to_numpy=True)
        scale = scale.squeeze(0)
    if mode == "int4":
        q = Q.pack_int4(q, axis=0)[0]
    new_variable(layer, "reverse_embeddings", "reverse_embeddings", q, False)
    new_variable(layer, "reverse_embeddings_scale", "reverse_embeddings_scale", scale, False)
    if zero is not None:
        new_variable(layer, "reverse_embeddings_zero", "reverse_embeddings_zero", zero, False)


def quantized_reverse(layer, inputs):
    """Logits (..., input_dim) from hidden states (..., output_dim) through the quantized table."""
    cdt = torch_dtype(layer.compute_dtype)
    if not inputs.is_floating_point():
        inputs = inputs.to(cdt)
    mode, tied = layer.quantization_mode, layer.tie_weights
    if layer.inputs_quantizer:
        x, x_scale = layer.inputs_quantizer(inputs)
    else:
        x, x_scale = inputs, torch.ones((1,), dtype=cdt, device=inputs.device)
    quantized_x = not x.is_floating_point()
    if mode == "int8":
        kernel = layer._embeddings.t() if tied else layer.reverse_embeddings
        scale = layer.embeddings_scale if tied else layer.reverse_embeddings_scale
        logits = int_matmul(x, kernel) if quantized_x else torch.matmul(x, kernel.to(x.dtype))
        return logits.to(cdt) / (x_scale * scale)
    block = getattr(layer, "_int4_block_size", None)
    if tied:
        kernel = Q.unpack_int4(layer._embeddings, layer.output_dim, axis=-1).t()
    else:
        kernel = Q.unpack_int4(layer.reverse_embeddings, layer.output_dim, axis=0)
    if not _grouped(block):
        scale = layer.embeddings_scale if tied else layer.reverse_embeddings_scale
        logits = int_matmul(x, kernel) if quantized_x else torch.matmul(x, kernel.to(x.dtype))
        return logits.to(cdt) / (x_scale * scale)
    if tied:
        scale, zero = layer.embeddings_scale.t(), layer.embeddings_zero.t()
    else:
        scale, zero = layer.reverse_embeddings_scale, layer.reverse_embeddings_zero
    float_kernel = Q.dequantize_with_sz_map(kernel.to(cdt), scale, zero, layer.g_idx, group_axis=0)
    return torch.matmul(x.to(float_kernel.dtype), float_kernel) / x_scale
