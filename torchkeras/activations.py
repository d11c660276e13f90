"""Keras 3.15 activation functions on torch tensors (names, defaults, numerics)."""

import math
import warnings

import torch
import torch.nn.functional as F

from torchkeras.keras_tensor import KerasTensor, record_op
from torchkeras.ops._common import tensor as _to_tensor
from torchkeras.utils import serialization as _ser

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _not_a_tensor(fn, x, *args):
    """Keras activations take numpy arrays, Python scalars and symbolic tensors too (as
    keras.ops does): convert, or record the call as a functional-API node. Kept off the
    tensor path so layers calling their activation pay one isinstance check."""
    if isinstance(x, KerasTensor):
        return record_op(fn, (x, *args), {})
    return fn(_to_tensor(x), *args)


def _const(v, x):
    return torch.as_tensor(v, dtype=x.dtype, device=x.device)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras relu: `max_value` caps, values <= `threshold` become 0 and
    `negative_slope` scales `threshold - x` for inputs below the threshold."""
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(relu, x, negative_slope, max_value, threshold)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return F.leaky_relu(x, negative_slope)
    if negative_slope != 0.0:
        below = torch.relu(threshold - x) if threshold != 0 else torch.relu(-x)
    if threshold != 0:
        out = torch.where(x > threshold, x, torch.zeros_like(x))
    else:
        out = torch.relu(x)
    if max_value is not None:
        out = torch.clamp(out, 0.0, max_value)
    if negative_slope != 0.0:
        out = out - negative_slope * below
    return out


def leaky_relu(x, negative_slope=0.2):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(leaky_relu, x, negative_slope)
    return F.leaky_relu(x, negative_slope)


def relu6(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(relu6, x)
    return torch.clamp(x, 0.0, 6.0)


def _over_axes(fn, x, axis):
    """Apply a last-axis normaliser over `axis` (int, tuple of ints or None)."""
    if axis is None:
        return fn(x.reshape(-1), -1).reshape(x.shape)
    if isinstance(axis, int):
        return fn(x, axis)
    axes = [a % x.dim() for a in axis]
    keep = [d for d in range(x.dim()) if d not in axes]
    perm = keep + axes
    moved = x.permute(perm)
    flat = moved.reshape(*[x.shape[d] for d in keep], -1)
    out = fn(flat, -1).reshape(moved.shape)
    inverse = sorted(range(len(perm)), key=perm.__getitem__)
    return out.permute(inverse)


def softmax(x, axis=-1):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(softmax, x, axis)
    if isinstance(axis, int) and -x.dim() <= axis < x.dim() and x.shape[axis] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape "
            f"{tuple(x.shape)}. This axis has size 1. The softmax operation will always "
            "return the value 1, which is likely not what you intended. "
            "Did you mean to use a sigmoid instead?", stacklevel=2)
    out = _over_axes(lambda t, d: torch.softmax(t, dim=d), x, axis)
    out._keras_logits = x  # losses recompute crossentropy from the logits
    return out


def log_softmax(x, axis=-1):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(log_softmax, x, axis)
    return _over_axes(lambda t, d: torch.log_softmax(t, dim=d), x, axis)


def elu(x, alpha=1.0):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(elu, x, alpha)
    # expm1 of the clamped input keeps the unused branch finite (no NaN grads)
    return torch.where(x > 0, x, alpha * torch.expm1(torch.clamp(x, max=0.0)))


def selu(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(selu, x)
    neg = (_SELU_SCALE * _SELU_ALPHA) * torch.expm1(torch.clamp(x, max=0.0))
    return torch.where(x > 0, _SELU_SCALE * x, neg)


def softplus(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(softplus, x)
    # TF switches to `x` / `exp(x)` beyond |log(eps) + 2| of the dtype; using the
    # same cut-offs keeps outputs within an ulp or two of tf.keras.
    cut = -(math.log(torch.finfo(x.dtype).eps) + 2.0)
    ex = torch.exp(torch.clamp(x, max=cut))
    mid = torch.log1p(ex)
    return torch.where(x > cut, x, torch.where(x < -cut, ex, mid))


def softsign(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(softsign, x)
    return x / (1.0 + torch.abs(x))


def soft_shrink(x, threshold=0.5):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(soft_shrink, x, threshold)
    zero = torch.zeros_like(x)
    return torch.where(x > threshold, x - threshold,
                       torch.where(x < -threshold, x + threshold, zero))


def sparse_plus(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(sparse_plus, x)
    quad = 0.25 * torch.square(x + 1.0)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, quad, x))


def silu(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(silu, x)
    return x * torch.sigmoid(x)


swish = silu


def squareplus(x, b=4):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(squareplus, x, b)
    return (x + torch.sqrt(torch.square(x) + b)) / 2


def gelu(x, approximate=False):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(gelu, x, approximate)
    if approximate:
        inner = 0.7978845608028654 * (x + 0.044715 * torch.pow(x, 3))
        return 0.5 * x * (1.0 + torch.tanh(inner))
    # erfc(-x/sqrt2) == 1 + erf(x/sqrt2) but stays accurate for very negative x
    return 0.5 * x * torch.special.erfc(-x * 0.7071067811865476)


def celu(x, alpha=1.0):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(celu, x, alpha)
    return torch.clamp(x, min=0.0) + alpha * torch.expm1(torch.clamp(x, max=0.0) / alpha)


def glu(x, axis=-1):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(glu, x, axis)
    if x.shape[axis] % 2 != 0:
        raise ValueError(
            "glu: axis size must be divisible by 2. "
            f"Received: x.shape={tuple(x.shape)} with axis={axis}. "
            "Use an even number of features along that axis.")
    a, b = torch.chunk(x, 2, dim=axis)
    return a * torch.sigmoid(b)


def tanh(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(tanh, x)
    return torch.tanh(x)


def tanh_shrink(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(tanh_shrink, x)
    return x - torch.tanh(x)


def hard_tanh(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(hard_tanh, x)
    return torch.clamp(x, -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(hard_shrink, x, threshold)
    return torch.where(torch.abs(x) > threshold, x, torch.zeros_like(x))


def threshold(x, threshold, default_value):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(globals()["threshold"], x, threshold, default_value)
    return torch.where(x > threshold, x, _const(default_value, x))


def sigmoid(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(sigmoid, x)
    out = torch.sigmoid(x)
    out._keras_logits = x  # losses recompute crossentropy from the logits
    return out


def sparse_sigmoid(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(sparse_sigmoid, x)
    mid = 0.5 * (x + 1.0)
    return torch.where(x <= -1, torch.zeros_like(x),
                       torch.where(x >= 1, torch.ones_like(x), mid))


def exponential(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(exponential, x)
    return torch.exp(x)


def hard_sigmoid(x):
    """Keras 3 definition: relu6(x + 3) / 6."""
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(hard_sigmoid, x)
    return torch.clamp(x + 3.0, 0.0, 6.0) / 6.0


def keras2_hard_sigmoid(x):
    """Keras 2 definition, used when loading legacy configs: clip(0.2x + 0.5, 0, 1)."""
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(keras2_hard_sigmoid, x)
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


def log_sigmoid(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(log_sigmoid, x)
    return -softplus(-x)


def hard_silu(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(hard_silu, x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def linear(x):
    return x


def mish(x):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(mish, x)
    return x * torch.tanh(softplus(x))


def sparsemax(x, axis=-1):
    if not isinstance(x, torch.Tensor):
        return _not_a_tensor(sparsemax, x, axis)
    # Same formula as every Keras 3.15 backend, including its threshold
    # tau = (sum of the cumulative sums over the support - 1) / k, so results
    # match tf.keras (they differ from textbook sparsemax when k > 1).
    z_sorted, _ = torch.sort(x, dim=axis, descending=True)
    cumsum = torch.cumsum(z_sorted, dim=axis)
    r_shape = [1] * x.dim()
    r_shape[axis] = -1
    r = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype, device=x.device).view(r_shape)
    support = z_sorted - (cumsum - 1) / r > 0
    k = torch.sum(support.to(x.dtype), dim=axis, keepdim=True)
    safe = torch.where(support, cumsum, torch.zeros_like(cumsum))
    tau = (torch.sum(safe, dim=axis, keepdim=True) - 1) / k
    return torch.clamp(x - tau, min=0.0)


ALL_OBJECTS_DICT = {fn.__name__: fn for fn in (
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
    soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
    sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, linear,
    mish, log_softmax, log_sigmoid, sparsemax)}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu

_BUILTINS = set(ALL_OBJECTS_DICT.values()) | {keras2_hard_sigmoid}


def serialize(activation):
    """Built-in activations serialize to their Keras name; others to a dict."""
    if activation in _BUILTINS:
        return activation.__name__
    return _ser.serialize_keras_object(activation)


def deserialize(config, custom_objects=None):
    return _ser.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT,
        kind="activation function")


def get(identifier):
    """None -> linear; name or config dict -> the function; callables pass through."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. "
        f"Expected None, a callable or one of {sorted(ALL_OBJECTS_DICT)}.")
