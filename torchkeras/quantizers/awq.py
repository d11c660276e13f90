"""AWQ on one layer, as Keras 3.15's keras.src.quantizers.awq: the running per-input-channel max |x| of
the layer's inputs, a grid search for per-channel scales s = x_max ** ratio (normalized) minimizing the
activation-weighted error of 4-bit asymmetric quantization of W * s, then W * s quantized and s kept
(the forward pass divides it back out). float32, Keras's operation order
(https://arxiv.org/abs/2306.00978)."""

import torch

from torchkeras.quantizers.calibrated_support import finish_calibration, kernel_rows_cols
from torchkeras.quantizers.quantizers import _tensor, dequantize_with_sz_map
from torchkeras.quantizers.zero_point import (
    compute_quantization_parameters,
    dequantize_with_zero_point,
    quantize_with_sz_map,
    quantize_with_zero_point,
)


def _quantize(weights_scaled, group_size, dequantize):
    in_features = weights_scaled.shape[1]
    scale, zero, maxq = compute_quantization_parameters(weights_scaled, bits=4, symmetric=False, per_channel=True,
                                                        group_size=group_size, compute_dtype="float32")
    if group_size == -1:
        q = quantize_with_zero_point(weights_scaled, scale, zero, maxq)
        deq = dequantize_with_zero_point(q, scale, zero) if dequantize else None
        return q, scale, zero, torch.zeros(in_features, dtype=torch.float32), deq
    g_idx = torch.div(torch.arange(in_features), group_size, rounding_mode="floor").to(torch.int32)
    q = quantize_with_sz_map(weights_scaled, scale, zero, g_idx, maxq)
    deq = dequantize_with_sz_map(q, scale, zero, g_idx) if dequantize else None
    return q, scale, zero, g_idx.to(torch.float32), deq


def awq_search_optimal_scales(weights, activation_magnitudes, *, num_grid_points=20, group_size=-1):
    """The per-input-channel scales [in_features] with the least activation-weighted quantization error
    of `weights` [out_features, in_features] over ratios i / num_grid_points, i = 0..num_grid_points."""
    w = _tensor(weights).to(torch.float32)
    x_max = _tensor(activation_magnitudes).to(torch.float32)
    x_max = torch.where(x_max < 1e-8, torch.ones_like(x_max), x_max)
    best_loss, best = None, torch.ones(w.shape[1], dtype=torch.float32)
    for i in range(num_grid_points + 1):
        ratio = i / num_grid_points
        scales = torch.ones_like(x_max) if ratio == 0 else torch.pow(x_max, ratio)
        scales = torch.clamp(scales, min=1e-4)
        mean = torch.clamp(torch.sqrt(scales.max() * scales.min()), min=1e-8)
        scales = scales / mean
        scaled = w * scales
        deq = _quantize(scaled, group_size, dequantize=True)[4]
        loss = torch.mean(torch.square(w - deq / scales) * torch.square(x_max))
        if best_loss is None or bool(loss < best_loss):  # the first of equal losses wins
            best_loss, best = loss, scales
    return best


def awq_quantize_matrix(weights_transpose, activation_magnitudes, *, num_grid_points=20, group_size=-1):
    """(quantized [out, in] float levels 0..15, scale [out, n_groups], zero uint8 [out, n_groups],
    awq_scales [in], g_idx float32 [in]) of a [out_features, in_features] matrix."""
    w = _tensor(weights_transpose).to(torch.float32)
    awq_scales = awq_search_optimal_scales(w, activation_magnitudes, num_grid_points=num_grid_points,
                                           group_size=group_size)
    q, scale, zero, g_idx, _ = _quantize(w * awq_scales, group_size, dequantize=False)
    return q, scale, zero, awq_scales, g_idx


class AWQ:
    """AWQ state of one Dense / EinsumDense (2-D or 3-D kernel): the running per-channel max |input|,
    and `quantize_layer`, which writes the layer's awq variables."""

    def __init__(self, layer, config=None):
        from torchkeras.layers.core.dense import Dense
        from torchkeras.layers.core.einsum_dense import EinsumDense
        from torchkeras.quantizers.awq_config import AWQConfig
        self.original_layer = layer
        self.config = config or AWQConfig(dataset=None, tokenizer=None)
        self.num_samples = 0
        if not (isinstance(layer, Dense) or (isinstance(layer, EinsumDense) and len(layer.kernel.shape) in (2, 3))):
            raise TypeError(f"Unsupported layer type for AWQ: {type(layer)}")
        self.kernel_shape = tuple(layer.kernel.shape)
        self.rows, self.columns = kernel_rows_cols(self.kernel_shape)
        self.layer = layer
        self.activation_magnitudes = torch.zeros(self.rows, dtype=torch.float32)

    def update_activation_magnitudes(self, input_batch):
        """Fold a batch of layer inputs (features last) into the per-channel running max |x|."""
        if input_batch is None:
            raise ValueError("Input tensor cannot be None.")
        x = _tensor(input_batch)
        if x.numel() == 0:
            raise ValueError("Input tensor cannot be empty.")
        x = x.detach().reshape(-1, x.shape[-1]).to(torch.float32).cpu()
        self.activation_magnitudes = torch.maximum(self.activation_magnitudes, x.abs().amax(dim=0))
        self.num_samples = self.num_samples + int(x.shape[0])

    def quantize_layer(self):
        """Quantize the layer's kernel with AWQ and store Keras's awq variables on the layer."""
        kernel = _tensor(self.original_layer.kernel).detach().to(torch.float32).cpu()
        weights = kernel.reshape(self.rows, self.columns).t()
        q, scale, zero, awq_scales, g_idx = awq_quantize_matrix(
            weights, self.activation_magnitudes, num_grid_points=self.config.num_grid_points,
            group_size=self.config.group_size)
        finish_calibration(self.original_layer, "awq", q, scale, zero, g_idx, awq_scales=awq_scales, pack=True)

    def free(self):
        del self.activation_magnitudes
        del self.layer
