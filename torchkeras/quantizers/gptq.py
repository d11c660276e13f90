"""GPTQ on one layer, as Keras 3.15's keras.src.quantizers.gptq: a running Hessian estimate 2/N X^T X of
the layer's inputs, then column-by-column quantization of the transposed kernel with the quantization
error of each column pushed onto the columns not yet quantized through the inverse (dampened) Hessian.
float32 throughout, Keras's operation order (https://arxiv.org/abs/2210.17323)."""

import torch

from torchkeras.quantizers.calibrated_support import finish_calibration, kernel_rows_cols
from torchkeras.quantizers.gptq_config import GPTQConfig
from torchkeras.quantizers.quantizers import _tensor
from torchkeras.quantizers.zero_point import (
    GPTQQuantizer,
    compute_quantization_parameters,
    dequantize_with_zero_point,
    group_indices,
    quantize_with_zero_point,
)


def _stable_permutation(metric):
    """Indices sorting `metric` in descending order, ties in index order."""
    metric = _tensor(metric).to(torch.float32)
    n = metric.shape[0]
    jitter = torch.arange(n, dtype=torch.int32).to(torch.float32) / float(n)
    return torch.argsort(-(metric + jitter * 1e-12), stable=True)


def gptq_quantize_matrix(weights_transpose, inv_hessian, *, blocksize=128, group_size=-1,
                         activation_order=False, order_metric=None,
                         compute_scale_zero=compute_quantization_parameters):
    """GPTQ's error-correcting quantization of a [out_features, in_features] matrix.

    Returns (quantized int32 [out, in], scale [out, n_groups], zero [out, n_groups], g_idx float32 [in]).
    """
    w = _tensor(weights_transpose).to(torch.float32).clone()
    h_inv = _tensor(inv_hessian).to(torch.float32)
    in_features = w.shape[1]
    if activation_order:
        if order_metric is None:
            order_metric = torch.reciprocal(torch.diagonal(h_inv) + 1e-12)
        else:
            order_metric = _tensor(order_metric).to(torch.float32)
            order_metric = torch.where(torch.isfinite(order_metric), order_metric, torch.zeros_like(order_metric))
        perm = _stable_permutation(order_metric)
        inv_perm = torch.argsort(perm)
        w = w[:, perm]
        h_inv = h_inv[perm][:, perm]
    weights_transpose = w.clone()
    quantized = torch.zeros(w.shape, dtype=torch.int32)
    scale_chunks, zero_chunks = [], []
    effective_group = in_features if group_size == -1 else group_size
    for block_start in range(0, in_features, blocksize):
        block_end = min(block_start + blocksize, in_features)
        block_w = w[:, block_start:block_end].clone()
        block_err = torch.zeros_like(block_w)
        block_h = h_inv[block_start:block_end, block_start:block_end]
        cached_group_start, params = -1, None
        for j in range(block_end - block_start):
            col = block_start + j
            if effective_group != in_features:
                group_start = (col // effective_group) * effective_group
                if group_start != cached_group_start:
                    # The group's params come from the (already error-corrected) buffer at its first column.
                    params = compute_scale_zero(w[:, group_start:min(group_start + effective_group, in_features)])
                    scale_chunks.append(params[0])
                    zero_chunks.append(params[1])
                    cached_group_start = group_start
            elif params is None:
                params = compute_scale_zero(w)
                scale_chunks.append(params[0])
                zero_chunks.append(params[1])
                cached_group_start = 0
            scale, zero, maxq = params
            column = block_w[:, j]
            q = quantize_with_zero_point(column[:, None], scale, zero, maxq)
            quantized[:, col] = q[:, 0].to(torch.int32)
            err = (column - dequantize_with_zero_point(q, scale, zero)[:, 0]) / block_h[j, j]
            block_err[:, j] = err
            if j < block_end - block_start - 1:
                block_w[:, j + 1:] = block_w[:, j + 1:] - torch.matmul(err[:, None], block_h[j, j + 1:][None, :])
        if block_end < in_features:
            w = torch.cat([w[:, :block_end],
                           w[:, block_end:] - torch.matmul(block_err, h_inv[block_start:block_end, block_end:])], dim=1)
    g_idx = group_indices(in_features, effective_group)
    if activation_order:
        g_idx = g_idx[inv_perm]
        quantized = quantized[:, inv_perm]
    if not scale_chunks:
        scale, zero, _ = compute_scale_zero(weights_transpose)
    else:
        scale, zero = torch.cat(scale_chunks, dim=1), torch.cat(zero_chunks, dim=1)
    return quantized, scale, zero, g_idx


class GPTQ:
    """GPTQ state of one Dense / EinsumDense (2-D or 3-D kernel): its Hessian estimate and the
    quantization that writes the layer's gptq variables (`quantize_and_correct_layer`)."""

    def __init__(self, layer, config=None):
        from torchkeras.layers.core.dense import Dense
        from torchkeras.layers.core.einsum_dense import EinsumDense
        config = config if config is not None else GPTQConfig(tokenizer=None, dataset=None)
        self.original_layer = layer
        self.num_samples = 0
        self.config = config
        self.quantizer = GPTQQuantizer(config, compute_dtype=layer.variable_dtype)
        if not (isinstance(layer, Dense) or (isinstance(layer, EinsumDense) and len(layer.kernel.shape) in (2, 3))):
            raise TypeError(f"Unsupported layer type for GPTQ: {type(layer)}")
        self.kernel_shape = tuple(layer.kernel.shape)
        self.rows, self.columns = kernel_rows_cols(self.kernel_shape)
        self.layer = layer
        self.hessian = torch.zeros((self.rows, self.rows), dtype=torch.float32)

    def update_hessian_with_batch(self, input_batch):
        """Fold a batch of layer inputs (rank >= 2, features last) into the running mean 2/N X^T X."""
        if input_batch is None:
            raise ValueError("Input tensor cannot be None.")
        shape = tuple(input_batch.shape)
        if len(shape) < 2:
            raise ValueError(f"Input tensor must have rank >= 2 (got rank {len(shape)}).")
        x = _tensor(input_batch)
        if x.numel() == 0:
            raise ValueError("Input tensor cannot be empty.")
        x = x.detach().reshape(-1, shape[-1]).to(torch.float32).cpu()
        if self.hessian.shape[0] != x.shape[-1]:
            raise ValueError(f"Hessian dimensions ({self.hessian.shape[0]}) do not match input features "
                             f"({x.shape[-1]}).")
        n_new, n_prev = x.shape[0], self.num_samples
        total = n_prev + n_new
        gram = torch.matmul(x.t(), x)
        gram = (gram + gram.t()) / 2.0  # symmetric even when large activations round differently
        if self.num_samples > 0:
            self.hessian = self.hessian * torch.tensor(n_prev / total, dtype=torch.float32)
        self.hessian = self.hessian + torch.tensor(2.0 / total, dtype=torch.float32) * gram
        self.num_samples = self.num_samples + n_new

    def quantize_and_correct_layer(self, blocksize=128):
        """Quantize the layer's kernel with GPTQ and store Keras's gptq variables on the layer."""
        kernel = _tensor(self.original_layer.kernel).detach().to(torch.float32).cpu()
        weights = kernel.reshape(self.rows, self.columns).t()
        h = _tensor(self.hessian).to(torch.float32).cpu()
        diag = torch.diagonal(h)
        dead = diag == 0.0
        diag = torch.where(dead, torch.ones_like(diag), diag)
        h = h + torch.diag(torch.where(dead, torch.ones_like(diag), torch.zeros_like(diag)))
        damping = torch.tensor(self.config.hessian_damping, dtype=torch.float32) * diag.mean()
        diag = diag + damping
        h = h - torch.diag(torch.diagonal(h)) + torch.diag(diag)
        quantized, scale, zero, g_idx = gptq_quantize_matrix(
            weights, inv_hessian=torch.linalg.inv(h), blocksize=blocksize, group_size=self.config.group_size,
            activation_order=self.config.activation_order, order_metric=torch.diagonal(h),
            compute_scale_zero=self.quantizer.find_params)
        finish_calibration(self.original_layer, "gptq", quantized, scale, zero, g_idx,
                           pack=self.config.weight_bits == 4)

    def free(self):
        del self.hessian
        del self.layer
