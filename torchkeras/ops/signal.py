"""keras.ops math extras: segment reductions, in_top_k, Fourier transforms, STFT, framing, logdet,
complex views, cdist, einops-style rearrange."""

import re

import torch

from torchkeras.keras_tensor import KerasTensor
from torchkeras.ops._common import float_input, op, shape_of, spec_for
from torchkeras.ops._common import tensor as _tensor


def _segment(data, segment_ids, num_segments, reduce):
    data = _tensor(data)
    ids = _tensor(segment_ids, like=data).to(torch.int64)
    if ids.dim() != 1:
        raise ValueError("Argument `segment_ids` should be an 1-D vector, got shape: "
                         f"{tuple(ids.shape)}.")
    if not data.is_meta and (data.dim() == 0 or data.shape[0] != ids.shape[0]):
        raise ValueError("Argument `segment_ids` and `data` should have same leading dimension. "
                         f"Got {tuple(ids.shape)} v.s. {tuple(data.shape)}.")
    n = int(num_segments) if num_segments is not None else (int(ids.max()) + 1 if ids.numel() else 0)
    # Out-of-range ids (negative or >= num_segments) are dropped, as Keras.
    keep = (ids >= 0) & (ids < n)
    data, ids = data[keep], ids[keep]
    out_shape = (n,) + tuple(data.shape[1:])
    index = ids.reshape((-1,) + (1,) * (data.dim() - 1)).expand_as(data)
    if reduce == "sum":
        return torch.zeros(out_shape, dtype=data.dtype, device=data.device).scatter_add(0, index, data)
    # Empty segments hold the dtype's lowest/highest finite value, as tf.keras (TF's unsorted_segment_max).
    init = {"amax": torch.finfo(data.dtype).min if data.is_floating_point() else torch.iinfo(data.dtype).min,
            "amin": torch.finfo(data.dtype).max if data.is_floating_point() else torch.iinfo(data.dtype).max,
            "prod": 1}[reduce]
    base = torch.full(out_shape, init, dtype=data.dtype, device=data.device)
    return base.scatter_reduce(0, index, data, reduce=reduce, include_self=reduce == "prod")


@op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    return _segment(data, segment_ids, num_segments, "sum")


@op
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    return _segment(data, segment_ids, num_segments, "amax")


@op
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    return _segment(data, segment_ids, num_segments, "amin")


@op
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    return _segment(data, segment_ids, num_segments, "prod")


def _segment_spec(data, segment_ids, num_segments=None, sorted=False):
    # Keras's SegmentReduction spec: num_segments (None when inferred from the ids' values) by data's tail.
    data_shape, ids_shape = shape_of(data), shape_of(segment_ids)
    if len(ids_shape) > 1:
        raise ValueError(f"Argument `segment_ids` should be an 1-D vector, got shape: {len(ids_shape)}.")
    if ids_shape and data_shape and None not in (ids_shape[0], data_shape[0]) and ids_shape[0] != data_shape[0]:
        raise ValueError("Argument `segment_ids` and `data` should have same leading dimension. "
                         f"Got {ids_shape} v.s. {data_shape}.")
    dtype = data.dtype if isinstance(data, KerasTensor) else _tensor(data).dtype
    return KerasTensor((num_segments,) + tuple(data_shape[1:]), dtype)


for _fn in (segment_sum, segment_max, segment_min, segment_prod):
    spec_for(_fn)(_segment_spec)


@op
def in_top_k(targets, predictions, k):
    """Whether each target's prediction ranks in the top `k` (ties count in its favour)."""
    predictions = _tensor(predictions)
    targets = _tensor(targets, like=predictions).to(torch.int64)
    target_score = torch.gather(predictions, 1, targets.unsqueeze(1))
    better = torch.sum((predictions > target_score).to(torch.int64), dim=1)
    finite = torch.isfinite(target_score.squeeze(1))
    return (better < int(k)) & finite


@op
def extract_sequences(x, sequence_length, sequence_stride):
    return _tensor(x).unfold(-1, int(sequence_length), int(sequence_stride))


def _complex(x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary."
                         f"Received: x={x}")
    real, imag = _tensor(x[0]), _tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary."
                         "Both the real and imaginary parts should have the same shape. "
                         f"Received: x[0].shape = {tuple(real.shape)}, x[1].shape = {tuple(imag.shape)}")
    if not real.is_floating_point() or not imag.is_floating_point():
        raise ValueError(f"At least one tensor in input `x` is not of type float.Received: x={x}.")
    return torch.complex(real, imag)


def _parts(z):
    return z.real.contiguous(), z.imag.contiguous()


@op
def fft(x):
    return _parts(torch.fft.fft(_complex(x)))


@op
def fft2(x):
    return _parts(torch.fft.fft2(_complex(x)))


@op
def ifft2(x):
    return _parts(torch.fft.ifft2(_complex(x)))


@op
def rfft(x, fft_length=None):
    return _parts(torch.fft.rfft(_tensor(x), n=fft_length))


@op
def irfft(x, fft_length=None):
    return torch.fft.irfft(_complex(x), n=fft_length)


def _window(window, sequence_length, dtype):
    if window is None:
        return torch.ones(sequence_length, dtype=dtype)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError('If a string is passed to `window`, it must be one of `"hann"`, `"hamming"`. '
                             f"Received: window={window}")
        fn = torch.hann_window if window == "hann" else torch.hamming_window
        return fn(sequence_length, periodic=True, dtype=dtype)
    win = _tensor(window).to(dtype)
    if win.dim() != 1 or win.shape[-1] != sequence_length:
        raise ValueError(f"The shape of `window` must be equal to [sequence_length].Received: window shape="
                         f"{tuple(win.shape)}")
    return win


@op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    x = _tensor(x)
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"Invalid input type. Expected `float32` or `float64`. Received: input type={x.dtype}")
    if fft_length < sequence_length:
        raise ValueError("`fft_length` must equal or larger than `sequence_length`. Received: "
                         f"sequence_length={sequence_length}, fft_length={fft_length}")
    win = _window(window, sequence_length, x.dtype).to(x.device)
    lead = x.shape[:-1]
    z = torch.stft(x.reshape(-1, x.shape[-1]), n_fft=fft_length, hop_length=sequence_stride,
                   win_length=sequence_length, window=win, center=center, return_complex=True)
    z = z.reshape(tuple(lead) + tuple(z.shape[-2:])).transpose(-2, -1)
    return _parts(z)


@op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse STFT by windowed overlap-add, normalised by the summed squared window (as TF)."""
    frames = irfft(x, fft_length)  # (..., num_frames, fft_length)
    dtype = frames.dtype
    num = frames.shape[-2]
    if window is not None:
        win = _window(window, sequence_length, dtype).to(frames.device)
        left = (fft_length - sequence_length) // 2
        win = torch.nn.functional.pad(win, (left, fft_length - sequence_length - left))
        # Overlap-added squared window at each in-frame offset: every position sums the squared
        # window values that land on it from neighbouring frames.
        overlaps = -(-fft_length // sequence_stride)
        sq = torch.nn.functional.pad(torch.square(win), (0, overlaps * sequence_stride - fft_length))
        denom = sq.reshape(overlaps, sequence_stride).sum(0).repeat(overlaps)[:fft_length]
        frames = frames * (win / denom)
    lead = frames.shape[:-2]
    out_len = sequence_stride * (num - 1) + fft_length
    flat = frames.reshape(-1, num, fft_length).transpose(1, 2)
    out = torch.nn.functional.fold(flat, (1, out_len), (1, fft_length), stride=(1, sequence_stride))
    out = out.reshape(tuple(lead) + (out_len,))
    start = fft_length // 2 if center else 0
    if length is not None:
        return out[..., start:start + length]
    return out[..., start:out_len - fft_length // 2] if center else out


@op
def logdet(x):
    return torch.logdet(float_input(x))


@op
def view_as_complex(x):
    x = _tensor(x)
    if x.shape[-1] != 2:
        raise ValueError(f"Last dimension of input must be size 2 (real and imaginary). Received shape: "
                         f"{tuple(x.shape)}")
    return torch.view_as_complex(x.contiguous())


@op
def view_as_real(x):
    return torch.view_as_real(_tensor(x))


@op
def cdist(x, y):
    """Euclidean distances between the rows of `x` and of `y` (batched)."""
    x, y = float_input(x), float_input(y)
    return torch.sqrt(torch.clamp(torch.sum(torch.square(x.unsqueeze(-2) - y.unsqueeze(-3)), dim=-1), min=0))


def _groups(side):
    return [re.findall(r"\w+", tok) for tok in re.findall(r"\w+|\(.*?\)", side)]


@op
def rearrange(tensor, pattern, **axes_lengths):
    """einops-style axis rearrangement: 'b (h w) c -> b h w c' with h=..., groups split or merge."""
    x = _tensor(tensor)
    left, right = re.split(r"\s*->\s*", pattern)
    in_groups, out_groups = _groups(left), _groups(right)
    sizes = dict(axes_lengths)
    for group, dim in zip(in_groups, x.shape):
        unknown = [a for a in group if a not in sizes]
        known = 1
        for a in group:
            known *= sizes.get(a, 1)
        if len(group) == 1 and not unknown:
            continue
        for a in unknown:
            sizes[a] = dim // known
    flat_in = [a for g in in_groups for a in g]
    x = x.reshape([sizes[a] if a in sizes else d for a, d in zip(flat_in, _expand(in_groups, x.shape))])
    flat_out = [a for g in out_groups for a in g]
    x = x.permute([flat_in.index(a) for a in flat_out])
    shape = []
    for g in out_groups:
        n = 1
        for a in g:
            n *= x.shape[flat_out.index(a)]
        shape.append(n)
    return x.reshape(shape)


def _expand(groups, shape):
    dims = []
    for g, d in zip(groups, shape):
        dims.extend([d] if len(g) == 1 else [-1] * len(g))
    return dims
