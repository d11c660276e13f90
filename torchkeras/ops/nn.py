"""keras.ops neural-network functions (Keras 3's defaults: gelu approximate=True, leaky_relu 0.2)."""

import torch
import torch.nn.functional as F

from torchkeras.ops._common import check_axis, dtype_of, float_input, floatx_dtype, op, tensor


@op
def relu(x):
    return torch.relu(float_input(x))


@op
def relu6(x):
    return torch.clamp(float_input(x), 0.0, 6.0)


@op
def sigmoid(x):
    return torch.sigmoid(float_input(x))


@op
def softplus(x):
    return F.softplus(float_input(x))


@op
def softsign(x):
    return F.softsign(float_input(x))


@op
def silu(x):
    return F.silu(float_input(x))


swish = silu


@op
def log_sigmoid(x):
    return F.logsigmoid(float_input(x))


@op
def leaky_relu(x, negative_slope=0.2):
    return F.leaky_relu(float_input(x), negative_slope)


@op
def hard_sigmoid(x):
    return torch.clamp(float_input(x) + 3.0, 0.0, 6.0) / 6.0


@op
def hard_silu(x):
    x = float_input(x)
    return x * (torch.clamp(x + 3.0, 0.0, 6.0) / 6.0)


hard_swish = hard_silu


@op
def elu(x, alpha=1.0):
    return F.elu(float_input(x), alpha)


@op
def selu(x):
    return F.selu(float_input(x))


@op
def gelu(x, approximate=True):
    return F.gelu(float_input(x), approximate="tanh" if approximate else "none")


@op
def softmax(x, axis=-1):
    return _over_axes(torch.softmax, float_input(x), axis)


@op
def log_softmax(x, axis=-1):
    return _over_axes(torch.log_softmax, float_input(x), axis)


def _over_axes(fn, x, axis):
    """`fn` over one axis, or jointly over several (a tuple) or all (None) axes, as Keras."""
    if isinstance(axis, int):
        return fn(x, dim=check_axis(axis, x.dim()))
    dims = tuple(range(x.dim())) if axis is None else tuple(check_axis(a, x.dim()) for a in axis)
    rest = [d for d in range(x.dim()) if d not in dims]
    moved = x.permute(rest + list(dims))
    out = fn(moved.reshape(moved.shape[:len(rest)] + (-1,)), dim=-1).reshape(moved.shape)
    return out.permute(tuple(sorted(range(x.dim()), key=lambda i: (rest + list(dims))[i])))


@op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot along `axis`; out-of-range and negative ids give all-zero rows (as Keras)."""
    if sparse:
        raise ValueError("one_hot: torchkeras has no sparse tensors; pass sparse=False.")
    x = tensor(x)
    classes = torch.arange(int(num_classes), device=x.device)
    out = (x.unsqueeze(-1) == classes).to(dtype_of(dtype) or floatx_dtype())
    return out if axis == -1 else torch.movedim(out, -1, axis)


@op
def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise ValueError("multi_hot: torchkeras has no sparse tensors; pass sparse=False.")
    out = one_hot(inputs, num_classes, dtype=dtype)
    return torch.amax(out, dim=-2) if out.dim() > 1 else out


def _eps():
    from torchkeras import config
    return config.epsilon()


@op
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy (no reduction), as keras.ops."""
    target, output = tensor(target, like=output), float_input(output)
    target = target.to(output.dtype)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    output = torch.clamp(output, _eps(), 1.0 - _eps())
    return -(target * torch.log(output) + (1.0 - target) * torch.log(1.0 - output))


@op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = tensor(target, like=output), float_input(output)
    if target.shape != output.shape:
        raise ValueError("categorical_crossentropy: `target` and `output` must have the same shape. Received: "
                         f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")
    if from_logits:
        log_prob = torch.log_softmax(output, dim=axis)
    else:
        output = output / torch.sum(output, dim=axis, keepdim=True)
        log_prob = torch.log(torch.clamp(output, _eps(), 1.0 - _eps()))
    return -torch.sum(target.to(log_prob.dtype) * log_prob, dim=axis)


@op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = tensor(target, like=output), float_input(output)
    if target.dim() == output.dim() and target.shape[-1] == 1:
        target = target.squeeze(-1)
    hot = one_hot(target.to(torch.int64), output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(hot, output, from_logits=from_logits, axis=axis)


@op
def normalize(x, axis=-1, order=2, epsilon=None):
    x = float_input(x)
    if isinstance(axis, int):
        axis = check_axis(axis, x.dim())
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon if epsilon is not None else _eps())


@op
def moments(x, axes, keepdims=False, synchronized=False):
    x = float_input(x)
    dims = tuple(axes) if isinstance(axes, (list, tuple)) else (int(axes),)
    mean = torch.mean(x, dim=dims, keepdim=True)
    variance = torch.mean(torch.square(x - mean), dim=dims, keepdim=keepdims)
    return (mean if keepdims else torch.squeeze(mean, dims)), variance


# keras.ops.nn also holds the ops defined in these modules.
from torchkeras.ops.conv import (  # noqa: E402,F401
    adaptive_average_pool,
    adaptive_max_pool,
    average_pool,
    conv,
    conv_transpose,
    depthwise_conv,
    max_pool,
    separable_conv,
)
from torchkeras.ops.ctc import ctc_decode, ctc_loss  # noqa: E402,F401
from torchkeras.ops.nn_extra import (  # noqa: E402,F401
    batch_normalization,
    celu,
    depth_to_space,
    dot_product_attention,
    fold,
    glu,
    hard_shrink,
    hard_tanh,
    layer_normalization,
    polar,
    psnr,
    rms_normalization,
    soft_shrink,
    space_to_depth,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    tanh_shrink,
    threshold,
    unfold,
)
