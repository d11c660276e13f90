"""tf.nn: activations, cross-entropies, convolution / pooling (TF's NHWC layout and SAME padding),
moments, dropout and normalisation helpers."""

import math as _math

import torch
import torch.nn.functional as F

from torchkeras.porting.tf import math as tfmath
from torchkeras.porting.tf._core import (
    InvalidArgumentError,
    convert,
    namespace_getattr,
    require,
    unify,
)

__getattr__ = namespace_getattr("tf.nn")

_F = ("float",)
_ALLOWED = "half, bfloat16, float, double"
sigmoid, tanh, softplus = tfmath.sigmoid, tfmath.tanh, tfmath.softplus
l2_normalize, top_k, in_top_k = tfmath.l2_normalize, tfmath.top_k, tfmath.in_top_k


def _float(op, x):
    return require(op, convert(x), _F, _ALLOWED)


def relu(features, name=None):
    return torch.relu(require("Relu", convert(features), ("float", "int", "uint"), _ALLOWED))


def relu6(features, name=None):
    return torch.clamp(require("Relu6", convert(features), ("float", "int", "uint"), _ALLOWED), 0, 6)


def leaky_relu(features, alpha=0.2, name=None):
    x = convert(features)
    if not (x.is_floating_point() or x.is_complex()):  # TF casts integer features to float32 here
        x = x.to(torch.float32)
    return F.leaky_relu(x, float(alpha))


def elu(features, name=None):
    return F.elu(_float("Elu", features))


def selu(features, name=None):
    return F.selu(_float("Selu", features))


def gelu(features, approximate=False, name=None):
    return F.gelu(_float("Gelu", features), approximate="tanh" if approximate else "none")


def silu(features, beta=1.0, name=None):
    x = _float("Silu", features)
    return x * torch.sigmoid(beta * x)


swish = silu


def softsign(features, name=None):
    return F.softsign(_float("Softsign", features))


def softmax(logits, axis=None, name=None):
    return torch.softmax(_float("Softmax", logits), dim=-1 if axis is None else int(axis))


def log_softmax(logits, axis=None, name=None):
    return torch.log_softmax(_float("LogSoftmax", logits), dim=-1 if axis is None else int(axis))


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    z, x = unify("SigmoidCrossEntropy", labels, logits)
    if tuple(z.shape) != tuple(x.shape):
        raise ValueError(f"`logits` and `labels` must have the same shape, received ({tuple(x.shape)} vs "
                         f"{tuple(z.shape)}).")
    # TF's stable form: max(x, 0) - x * z + log(1 + exp(-|x|))
    return torch.clamp(x, min=0) - x * z + torch.log1p(torch.exp(-torch.abs(x)))


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    z, x = unify("WeightedCrossEntropy", labels, logits)
    log_weight = 1 + (pos_weight - 1) * z
    return (1 - z) * x + log_weight * (torch.log1p(torch.exp(-torch.abs(x))) + torch.clamp(-x, min=0))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    y, x = unify("SoftmaxCrossEntropyWithLogits", labels, logits)
    if tuple(y.shape) != tuple(x.shape):
        raise InvalidArgumentError(f"logits and labels must be broadcastable: logits_size={list(x.shape)} "
                                   f"labels_size={list(y.shape)}")
    return -torch.sum(y * torch.log_softmax(x, dim=axis), dim=axis)


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    y, x = convert(labels), _float("SparseSoftmaxCrossEntropyWithLogits", logits)
    if y.is_floating_point():
        raise InvalidArgumentError("Value for attr 'Tlabels' of float is not in the list of allowed values: "
                                   "int32, int64")
    if tuple(y.shape) != tuple(x.shape[:-1]):
        raise ValueError(f"`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: labels.shape="
                         f"{tuple(y.shape)} of rank {y.dim()} and logits.shape={tuple(x.shape)} of rank {x.dim()}")
    if y.numel() and (y.min() < 0 or y.max() >= x.shape[-1]):
        raise InvalidArgumentError(f"Received a label value of {int(y.max())} which is outside the valid range "
                                   f"of [0, {x.shape[-1]}).")
    return -torch.log_softmax(x, dim=-1).gather(-1, y.long().unsqueeze(-1)).squeeze(-1)


def l2_loss(t, name=None):
    x = _float("L2Loss", t)
    return torch.sum(x * x) / 2


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    z, c = unify("LogPoissonLoss", targets, log_input)
    loss = torch.exp(c) - c * z
    if compute_full_loss:
        stirling = z * torch.log(z) - z + 0.5 * torch.log(2 * _math.pi * z)
        loss = loss + torch.where(z > 1, stirling, torch.zeros_like(z))
    return loss


def bias_add(value, bias, data_format=None, name=None):
    x, b = unify("BiasAdd", value, bias)
    if data_format is not None and data_format.startswith("NC"):
        return x + b.reshape(-1, *([1] * (x.dim() - 2)))
    return x + b


def moments(x, axes, shift=None, keepdims=False, name=None):
    t = convert(x)
    axes = tuple(int(a) for a in (axes if isinstance(axes, (list, tuple)) else [axes]))
    mean = torch.mean(t, dim=axes, keepdim=True)
    var = torch.mean(torch.square(t - mean), dim=axes, keepdim=True)
    if not keepdims:
        mean, var = mean.squeeze(axes), var.squeeze(axes)
    return mean, var


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    t = convert(x)
    inv = torch.rsqrt(convert(variance) + variance_epsilon)
    if scale is not None:
        inv = inv * convert(scale)
    return t * inv + ((convert(offset) if offset is not None else 0) - convert(mean) * inv)


def dropout(x, rate=None, noise_shape=None, seed=None, name=None, keep_prob=None):
    t = _float("Dropout", x)
    rate = 1 - keep_prob if rate is None else float(rate)
    if not 0 <= rate < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}")
    from torchkeras.porting.tf.random import _generator
    shape = list(noise_shape) if noise_shape is not None else list(t.shape)
    shape = [t.shape[i] if d is None else int(d) for i, d in enumerate(shape)]
    keep = torch.rand(shape, generator=_generator(seed)) >= rate
    return t * keep.to(t.device) / (1 - rate)


def embedding_lookup(params, ids, max_norm=None, name=None):
    from torchkeras.porting.tf.array_ops import gather
    table = torch.cat([convert(p) for p in params]) if isinstance(params, (list, tuple)) else convert(params)
    out = gather(table, ids)
    if max_norm is not None:
        norms = torch.linalg.vector_norm(out, dim=-1, keepdim=True)
        out = out * torch.where(norms > max_norm, max_norm / norms, torch.ones_like(norms))
    return out


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    loss = convert(per_example_loss)
    if sample_weight is not None:
        loss = loss * convert(sample_weight)
    n = global_batch_size if global_batch_size is not None else (loss.shape[0] if loss.dim() else 1)
    return torch.sum(loss) / n


def scale_regularization_loss(regularization_loss):
    return torch.sum(convert(regularization_loss))


def depth_to_space(input, block_size, data_format="NHWC", name=None):
    x = convert(input)
    n, h, w, c = x.shape
    b = int(block_size)
    return x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5).reshape(n, h * b, w * b, c // (b * b))


def space_to_depth(input, block_size, data_format="NHWC", name=None):
    x = convert(input)
    n, h, w, c = x.shape
    b = int(block_size)
    return x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5).reshape(n, h // b, w // b, b * b * c)


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):
    x = _float("LRN", input)
    sq = F.pad(torch.square(x), (depth_radius, depth_radius))
    window = sq.unfold(-1, 2 * depth_radius + 1, 1).sum(-1)
    return x / torch.pow(bias + alpha * window, beta)


lrn = local_response_normalization


from torchkeras.porting.tf.nn_conv import (  # noqa: E402, F401  (conv / pool live in their own module)
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv2d_transpose,
    conv3d,
    convolution,
    depthwise_conv2d,
    max_pool,
    max_pool1d,
    max_pool2d,
)
