"""The layer side of GPTQ / AWQ (Keras 3.15's `_gptq_build` / `_awq_build`, `_gptq_call` / `_awq_call`)
for Dense and EinsumDense.

Keras's variables, in creation order (all non-trainable):
- `quantized_kernel` (name "kernel"), uint8 [ceil(cols / 2), rows] (two 4-bit values per byte along
  the output axis) or [cols, rows] for 3 / 8-bit GPTQ: the *transposed* 2-D kernel;
- `kernel_scale` float [cols, n_groups]; `kernel_zero` uint8 [cols, n_groups] (named "zero_point" in
  EinsumDense); `awq_scales` [rows] (AWQ only); `g_idx` float32 [rows], the group of each input row.
`rows, cols` is the kernel seen as 2-D: Dense's (input_dim, units); a 3-D EinsumDense kernel is split
at its largest axis as Keras does (QKV projection (d_model, heads * head_dim), attention output
(heads * head_dim, d_model)). Until the layer is calibrated (`is_gptq_calibrated` /
`is_awq_calibrated`), the float kernel stays and the forward pass uses it, as in Keras.
"""

import torch

from torchkeras.keras_tensor import torch_dtype
from torchkeras.quantizers import quantizers as Q
from torchkeras.quantizers.layer_support import drop_variable, new_variable
from torchkeras.quantizers.zero_point import n_groups_for

CALIBRATED_MODES = ("gptq", "awq")


def kernel_rows_cols(shape):
    """(rows, cols) of a 2-D or 3-D kernel, as Keras's GPTQ / AWQ split it."""
    shape = tuple(int(d) for d in shape)
    if len(shape) == 2:
        return shape
    if len(shape) == 3:
        if shape.index(max(shape)) == 0:  # QKV projection: (d_model, heads, head_dim)
            return shape[0], shape[1] * shape[2]
        return shape[0] * shape[1], shape[2]  # attention output: (heads, head_dim, d_model)
    raise ValueError(f"GPTQ / AWQ quantization only supports 2D or 3D kernels. Received: kernel shape {shape}")


def weight_bits_and_group(layer, mode, config):
    if mode == "gptq":
        from torchkeras.quantizers import gptq_core
        return gptq_core.get_weight_bits_for_layer(layer, config), gptq_core.get_group_size_for_layer(layer, config)
    from torchkeras.quantizers import awq_core
    return 4, awq_core.get_group_size_for_layer(layer, config)


def calibrated_build(layer, mode, config, kernel_shape, zero_name="kernel_zero"):
    """Create Keras's (not yet calibrated) gptq / awq variables on `layer`."""
    setattr(layer, f"is_{mode}_calibrated", False)
    rows, cols = kernel_rows_cols(kernel_shape)
    bits, group = weight_bits_and_group(layer, mode, config)
    groups = n_groups_for(rows, group)
    fdt = torch_dtype(layer.variable_dtype)
    packed = (cols + 1) // 2 if bits == 4 else cols
    layer._calib_dims = (rows, cols, bits)
    new_variable(layer, "quantized_kernel", "kernel", torch.zeros((packed, rows), dtype=torch.uint8), False)
    new_variable(layer, "kernel_scale", "kernel_scale", torch.ones((cols, groups), dtype=fdt), False)
    new_variable(layer, "kernel_zero", zero_name, torch.zeros((cols, groups), dtype=torch.uint8), False)
    if mode == "awq":
        new_variable(layer, "awq_scales", "awq_scales", torch.ones(rows, dtype=fdt), False)
    new_variable(layer, "g_idx", "g_idx", torch.zeros(rows, dtype=torch.float32), False)


def is_calibrated(layer):
    mode = layer.quantization_mode
    return bool(getattr(layer, f"is_{mode}_calibrated", False))


def _float_kernel_value(layer):
    k = layer.__dict__.get("_kernel", None)
    if k is None:
        k = layer._parameters.get("_kernel", None)
    if k is None or not any(v is k for v in layer._keras_vars):
        raise AttributeError(f"Layer '{layer.name}' has no float kernel: it is {layer.quantization_mode}-quantized "
                             "but was never calibrated (run `model.quantize` with calibration data, or load "
                             "calibrated weights).")
    return k.value if not isinstance(k, torch.Tensor) else k


def kernel_view(layer):
    """Keras's `kernel` property in a gptq / awq mode: the stored uint8 kernel once calibrated, [cols, rows]
    (unpacked for 4 bits), else the float kernel."""
    if not is_calibrated(layer):
        return _float_kernel_value(layer)
    rows, cols, bits = layer._calib_dims
    if bits != 4:
        return layer.quantized_kernel
    return Q.unpack_int4(layer.quantized_kernel, cols, axis=0, dtype="uint8")


def dequantized_kernel(layer, kernel_shape):
    """The float kernel (in `kernel_shape`) the gptq / awq forward pass multiplies by."""
    if not is_calibrated(layer):
        return _float_kernel_value(layer)
    w = Q.dequantize_with_sz_map(kernel_view(layer), layer.kernel_scale, layer.kernel_zero, layer.g_idx).t()
    if layer.quantization_mode == "awq":
        # The weights were multiplied by the AWQ scales before quantization: divide them back out.
        w = w / layer.awq_scales.unsqueeze(-1)
    return w.reshape(kernel_shape)


def finish_calibration(layer, mode, quantized, scale, zero, g_idx, awq_scales=None, pack=True):
    """Store a calibrated result on the layer (Keras's assignments) and drop its float kernel."""
    q = quantized.to(torch.int32).to(torch.uint8)
    if pack:
        q = Q.pack_int4(q, axis=0, dtype="uint8")[0]
    drop_float_kernel(layer)
    with torch.no_grad():
        layer.quantized_kernel.assign(q)
        layer.kernel_scale.assign(scale.to(layer.kernel_scale.dtype))
        layer.kernel_zero.assign(zero.to(torch.uint8))
        if awq_scales is not None:
            layer.awq_scales.assign(awq_scales.to(layer.awq_scales.dtype))
        layer.g_idx.assign(g_idx.to(torch.float32))
    setattr(layer, f"is_{mode}_calibrated", True)


def drop_float_kernel(layer):
    var = layer.__dict__.get("_kernel", None)
    if var is None:
        var = layer._parameters.get("_kernel", None)
    if var is None:
        return
    drop_variable(layer, var)
    if "_kernel" in layer._parameters:
        del layer._parameters["_kernel"]
    else:
        layer._lq_drop_float()
        layer.__dict__.pop("_kernel", None)


def calibrated_forward(layer, inputs, kernel_shape, contract):
    """activation(contract(inputs, W) + bias) with W the (de)quantized or still-float kernel."""
    w = dequantized_kernel(layer, kernel_shape)
    if not inputs.is_floating_point():
        inputs = inputs.to(w.dtype if w.is_floating_point() else torch.float32)
    y = contract(inputs, w.to(inputs.dtype))
    bias = layer.bias
    if bias is not None:
        y = y + (bias.value if not isinstance(bias, torch.Tensor) else bias)
    return layer.activation(y) if layer.activation is not None else y
