"""More keras.ops.nn: shrink/sparse activations, normalizations, psnr, polar, space/depth shuffles,
fold/unfold and dot_product_attention (Keras's (batch, seq, heads, dim) layout)."""

import math as _math

import torch
import torch.nn.functional as F

from torchkeras.ops._common import float_input, op, promote, tensor


@op
def celu(x, alpha=1.0):
    return F.celu(float_input(x), alpha)


@op
def glu(x, axis=-1):
    x = float_input(x)
    if x.shape[axis] % 2:
        raise ValueError("axis size must be divisible by 2. "
                         f"Received: x.shape={tuple(x.shape)} with axis={axis}")
    a, b = torch.chunk(x, 2, dim=axis)
    return a * torch.sigmoid(b)


@op
def hard_tanh(x):
    return torch.clamp(float_input(x), -1.0, 1.0)


@op
def hard_shrink(x, threshold=0.5):
    x = float_input(x)
    return torch.where(torch.abs(x) > threshold, x, torch.zeros_like(x))


@op
def soft_shrink(x, threshold=0.5):
    x = float_input(x)
    return torch.where(x > threshold, x - threshold, torch.where(x < -threshold, x + threshold,
                                                                 torch.zeros_like(x)))


@op
def tanh_shrink(x):
    x = float_input(x)
    return x - torch.tanh(x)


@op
def threshold(x, threshold, default_value):
    x = float_input(x)
    return torch.where(x > threshold, x, torch.as_tensor(default_value, dtype=x.dtype, device=x.device))


@op
def sparse_plus(x):
    x = float_input(x)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x >= 1, x, torch.square(x + 1) / 4))


@op
def sparse_sigmoid(x):
    x = float_input(x)
    return torch.clamp((x + 1) / 2, 0.0, 1.0)


@op
def squareplus(x, b=4):
    x = float_input(x)
    return (x + torch.sqrt(torch.square(x) + b)) / 2


@op
def sparsemax(x, axis=-1):
    """Sparse softmax: max(x - tau, 0).

    tau follows Keras exactly (every backend): (sum of the running sums over the support - 1) / k.
    Martins & Astudillo's threshold uses only the k-th running sum; the two agree when the support
    has one element, and real Keras is this project's reference."""
    x = float_input(x)
    z = torch.sort(x, dim=axis, descending=True).values
    shape = [1] * x.dim()
    shape[axis] = x.shape[axis]
    k = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype, device=x.device).reshape(shape)
    cum = torch.cumsum(z, dim=axis)
    support = (1 + k * z) > cum
    k_z = torch.sum(support.to(x.dtype), dim=axis, keepdim=True)
    tau = (torch.sum(torch.where(support, cum, torch.zeros_like(cum)), dim=axis, keepdim=True) - 1) / k_z
    return torch.clamp(x - tau, min=0)


def _compute(x):
    x = tensor(x)
    return x.to(torch.float32) if not x.is_floating_point() or x.dtype in (torch.float16, torch.bfloat16) else x


def _axes(axis, nd):
    axes = sorted(a % nd for a in (axis if isinstance(axis, (list, tuple)) else (axis,)))
    return axes


def _bcast(v, axes, x):
    if v is None:
        return None
    v = tensor(v).to(x.dtype)
    if v.dim() != x.dim() and axes != [x.dim() - 1]:
        shape = [1] * x.dim()
        for a in axes:
            shape[a] = x.shape[a]
        v = v.reshape(shape)
    return v


@op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    rms_scaling = kwargs.pop("rms_scaling", False)
    if rms_scaling:
        import warnings
        warnings.warn("You passed `rms_scaling=True`, which is deprecated: it scales the input by the variance, "
                      "not the root mean square. For RMS normalization use `keras.ops.rms_normalization` / "
                      "`keras.ops.nn.rms_normalization` instead.", UserWarning, stacklevel=2)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to layer_normalization: {kwargs}")
    from torchkeras import config
    eps = config.epsilon() if epsilon is None else epsilon
    orig = tensor(x).dtype
    x = _compute(x)
    axes = _axes(axis, x.dim())
    gamma, beta = _bcast(gamma, axes, x), _bcast(beta, axes, x)
    if rms_scaling:
        out = x * torch.rsqrt(torch.var(x, dim=axes, keepdim=True, correction=0) + eps)
        return (out if gamma is None else out * gamma).to(orig)
    mean = torch.mean(x, dim=axes, keepdim=True)
    var = torch.mean(torch.square(x - mean), dim=axes, keepdim=True)
    inv = torch.rsqrt(var + eps)
    if gamma is not None:
        inv = inv * gamma
    out = x * inv - mean * inv
    if beta is not None:
        out = out + beta
    return out.to(orig)


@op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    from torchkeras import config
    eps = config.epsilon() if epsilon is None else epsilon
    orig = tensor(x).dtype
    x = _compute(x)
    axes = _axes(axis, x.dim()) if x.dim() else [0]
    if x.dim() == 0:
        x = x.reshape(1)
    out = x * torch.rsqrt(torch.mean(torch.square(x), dim=axes, keepdim=True) + eps)
    if scale is not None:
        out = out * tensor(scale).to(x.dtype)
    return out.to(orig)


@op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = float_input(x)
    shape = [1] * x.dim()
    shape[int(axis)] = x.shape[int(axis)]

    def b(v):
        return tensor(v).to(x.dtype).reshape(shape)
    inv = torch.rsqrt(b(variance) + epsilon)
    if scale is not None:
        inv = inv * b(scale)
    out = (x - b(mean)) * inv
    return out + b(offset) if offset is not None else out


@op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB over all elements."""
    a, b = promote(x1, x2, 1.0)[:2]
    if a.shape != b.shape:
        raise ValueError(f"Input shapes {tuple(a.shape)} and {tuple(b.shape)} must match for PSNR calculation.")
    mse = torch.mean(torch.square(a - b))
    return 20 * _math.log10(max_val) - 10 * torch.log10(mse)


@op
def polar(abs_, angle):
    r, t = promote(abs_, angle, 1.0)[:2]
    return torch.complex(r * torch.cos(t), r * torch.sin(t))


def _fmt(data_format):
    from torchkeras.ops.conv import data_format_of
    return data_format_of(data_format)


@op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move depth blocks to space (TF's DCR order: the block offset is the channel's major part)."""
    x = tensor(x)
    b = _block_size(block_size)
    if _fmt(data_format) == "channels_first":
        return torch.movedim(depth_to_space(torch.movedim(x, 1, -1), b), -1, 1)
    n, h, w, c = x.shape
    y = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h * b, w * b, c // (b * b))


@op
def space_to_depth(x, block_size, data_format="channels_last"):
    x = tensor(x)
    b = _block_size(block_size)
    if _fmt(data_format) == "channels_first":
        return torch.movedim(space_to_depth(torch.movedim(x, 1, -1), b), -1, 1)
    n, h, w, c = x.shape
    y = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h // b, w // b, b * b * c)


@op
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of an (N, C, H, W) tensor as (N, C*kh*kw, L) columns."""
    return F.unfold(tensor(x), kernel_size, dilation=dilation, padding=padding, stride=stride)


@op
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return F.fold(tensor(x), output_size, kernel_size, dilation=dilation, padding=padding, stride=stride)


@op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(q k^T * scale + bias, masked) v over (batch, seq, heads, dim) tensors; key/value may have
    fewer heads (grouped-query attention) as long as they divide the query heads."""
    q, k, v = promote(query, key, value)
    squeeze = q.dim() == 3
    if squeeze:
        q, k, v = q.unsqueeze(2), k.unsqueeze(2), v.unsqueeze(2)
    if q.dim() != 4:
        raise ValueError(f"`dot_product_attention` only supports 3D and 4D inputs. Received: "
                         f"query.shape={tuple(q.shape)}, key.shape={tuple(k.shape)}, value.shape={tuple(v.shape)}")
    heads, kv_heads = q.shape[2], k.shape[2]
    if heads % kv_heads:
        raise ValueError(f"The number of query heads ({heads}) must be divisible by the number of key/value "
                         f"heads ({kv_heads}).")
    if kv_heads != heads:
        k = torch.repeat_interleave(k, heads // kv_heads, dim=2)
        v = torch.repeat_interleave(v, heads // kv_heads, dim=2)
    scale = 1.0 / _math.sqrt(q.shape[-1]) if scale is None else float(scale)
    compute = torch.float32 if q.dtype in (torch.float16, torch.bfloat16) else q.dtype
    logits = torch.einsum("btnh,bsnh->bnts", q.to(compute), k.to(compute)) * scale
    if attn_logits_soft_cap is not None:
        logits = torch.tanh(logits / attn_logits_soft_cap) * attn_logits_soft_cap
    if bias is not None:
        logits = logits + tensor(bias, like=logits).to(compute)
    keep = None
    if mask is not None:
        keep = tensor(mask, like=logits).to(torch.bool)
    if is_causal:
        t, s = logits.shape[-2:]
        causal = torch.ones((t, s), dtype=torch.bool, device=logits.device).tril()
        keep = causal if keep is None else keep & causal
    if keep is not None:
        big_negative = -0.7 * torch.finfo(compute).max
        logits = torch.where(keep, logits, torch.tensor(big_negative, dtype=compute, device=logits.device))
    probs = torch.softmax(logits, dim=-1).to(q.dtype)
    out = torch.einsum("bnts,bsnh->btnh", probs, v)
    return out.squeeze(2) if squeeze else out


def _block_size(block_size):
    b = int(block_size)
    if b < 2:
        raise ValueError(f"`block_size` must be at least 2. Received: block_size={block_size}")
    return b
