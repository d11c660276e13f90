"""tf.strings on numpy object arrays of bytes (StringTensor): element-wise string ops in Python."""

import re

import numpy as np
import torch

from torchkeras.porting.tf._core import (
    InvalidArgumentError,
    convert,
    namespace_getattr,
    torch_dtype,
)
from torchkeras.porting.tf.strings_array import StringTensor, _to_bytes

__getattr__ = namespace_getattr("tf.strings")


def _s(x):
    return StringTensor.of(x.numpy() if isinstance(x, StringTensor) and x.ndim == 0 else x)


def _map(fn, x, otype=object):
    arr = _s(x).view(np.ndarray)
    out = np.empty(arr.shape, dtype=otype)
    flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = fn(v)
    return out.view(StringTensor) if otype is object else torch.from_numpy(out)


def lower(input, encoding="", name=None):
    return _map(lambda b: b.decode("utf-8").lower().encode("utf-8") if encoding else b.lower(), input)


def upper(input, encoding="", name=None):
    return _map(lambda b: b.decode("utf-8").upper().encode("utf-8") if encoding else b.upper(), input)


def strip(input, name=None):
    return _map(lambda b: b.strip(), input)


def _re2_rewrite(rewrite):
    # RE2 writes group references as \1; Python's re.sub takes the same, and `\0` is the whole match.
    return _to_bytes(rewrite).replace(b"\\0", b"\\g<0>")


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    rx = re.compile(_to_bytes(pattern.numpy() if isinstance(pattern, StringTensor) else pattern))
    rw = _re2_rewrite(rewrite.numpy() if isinstance(rewrite, StringTensor) else rewrite)
    return _map(lambda b: rx.sub(rw, b, count=0 if replace_global else 1), input)


def regex_full_match(input, pattern, name=None):
    rx = re.compile(_to_bytes(pattern))
    return _map(lambda b: rx.fullmatch(b) is not None, input, bool)


def length(input, unit="BYTE", name=None):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR'; received {unit!r}.")
    return _map(lambda b: len(b.decode("utf-8")) if unit == "UTF8_CHAR" else len(b), input, np.int32)


def to_number(string_tensor, out_type="float32", name=None):
    td = torch_dtype(out_type)

    def parse(b):
        try:
            return float(b) if td.is_floating_point else int(b)
        except ValueError:
            raise InvalidArgumentError(f"StringToNumberOp could not correctly convert string: {b.decode()}") from None
    return _map(parse, string_tensor, np.float64 if td.is_floating_point else np.int64).to(td)


def substr(input, pos, len, unit="BYTE", name=None):
    def cut(b):
        s = b.decode("utf-8") if unit == "UTF8_CHAR" else b
        start = int(pos) if int(pos) >= 0 else builtins_len(s) + int(pos)
        piece = s[start:start + int(len)]
        return piece.encode("utf-8") if unit == "UTF8_CHAR" else piece
    return _map(cut, input)


builtins_len = len


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):
    x = convert(input)
    arr = x.detach().cpu().numpy()

    def fmt(v):
        if isinstance(v, (bool, np.bool_)):
            return b"true" if v else b"false"
        if isinstance(v, (float, np.floating)):
            text = f"{v:.{precision}e}" if scientific and precision >= 0 else (
                f"{v:.{precision}f}" if precision >= 0 else f"{v:f}")
        else:
            text = str(int(v))
        return text.rjust(width, fill or " ").encode() if width > 0 else text.encode()
    out = np.empty(arr.shape, dtype=object)
    out.reshape(-1)[:] = [fmt(v) for v in arr.reshape(-1).tolist()] if arr.size else []
    return out.view(StringTensor)


def join(inputs, separator="", name=None):
    parts = [_s(p).view(np.ndarray) for p in inputs]
    parts = np.broadcast_arrays(*parts)
    sep = _to_bytes(separator)
    out = np.empty(parts[0].shape, dtype=object)
    for idx in np.ndindex(out.shape):
        out[idx] = sep.join(p[idx] for p in parts)
    return out.view(StringTensor)


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    arr = _s(inputs).view(np.ndarray)
    sep = _to_bytes(separator)
    if axis is None:
        out = np.empty((), dtype=object)
        out[()] = sep.join(arr.reshape(-1).tolist())
        return out.view(StringTensor)
    moved = np.moveaxis(arr, int(axis), -1)
    out = np.empty(moved.shape[:-1], dtype=object)
    for idx in np.ndindex(out.shape):
        out[idx] = sep.join(moved[idx].tolist())
    if keepdims:
        out = np.expand_dims(out, int(axis))
    return out.view(StringTensor)


class RaggedStrings:
    """What tf.strings.split returns for a batch: rows of different lengths (a tf.RaggedTensor's
    `to_list()`, `to_tensor()`, `row_lengths()`, iteration and indexing)."""

    def __init__(self, rows):
        self.rows = [StringTensor.of(r) if len(r) else np.empty((0,), dtype=object).view(StringTensor)
                     for r in rows]

    def to_list(self):
        return [list(r.numpy()) for r in self.rows]

    def to_tensor(self, default_value=b"", shape=None):
        width = max((len(r) for r in self.rows), default=0)
        out = np.full((len(self.rows), width), _to_bytes(default_value), dtype=object)
        for i, r in enumerate(self.rows):
            out[i, :len(r)] = r.numpy()
        return out.view(StringTensor)

    def row_lengths(self):
        return torch.tensor([len(r) for r in self.rows], dtype=torch.int64)

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def split(input, sep=None, maxsplit=-1, name=None):
    arr = _s(input)
    s = None if sep is None else _to_bytes(sep)

    def cut(b):
        return b.split(s, maxsplit) if s is not None else b.split(None, maxsplit)
    if arr.ndim == 0:
        return StringTensor.of(cut(arr.numpy())) if cut(arr.numpy()) else np.empty((0,), object).view(StringTensor)
    return RaggedStrings([cut(b) for b in arr.numpy().reshape(-1)])


def bytes_split(input, name=None):
    arr = _s(input)
    if arr.ndim == 0:
        return StringTensor.of([bytes([c]) for c in arr.numpy()])
    return RaggedStrings([[bytes([c]) for c in b] for b in arr.numpy().reshape(-1)])


def to_hash_bucket_fast(input, num_buckets, name=None):
    from torchkeras.layers.preprocessing._hashing import fingerprint64
    arr = _s(input).view(np.ndarray)
    fps = np.asarray(fingerprint64(list(arr.reshape(-1))), dtype=np.uint64) if arr.size else np.zeros(0, np.uint64)
    return torch.from_numpy((fps % np.uint64(int(num_buckets))).astype(np.int64).reshape(arr.shape))


def format(template, inputs, placeholder="{}", summarize=3, name=None):
    parts = template.split(placeholder)
    values = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    text = parts[0] + "".join(str(_fmt(v)) + p for v, p in zip(values, parts[1:]))
    return StringTensor.of(text)


def _fmt(v):
    if isinstance(v, StringTensor):
        return v.numpy()
    if isinstance(v, torch.Tensor):
        return np.array2string(v.detach().cpu().numpy())
    return v
