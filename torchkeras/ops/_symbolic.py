"""Output specs of torch functions applied to symbolic tensors (Keras's compute_output_spec).

The function runs on meta tensors in which each unknown (None) dim gets a stand-in size. It runs
twice with different stand-ins: an output dim that differs between the runs depends on an unknown
dim and is None, one that agrees is known (so `concatenate` of (None, 3) and (2, 3) gives (None, 3),
not a sum of stand-ins). Unknown dims may be paired up several ways (by axis from the left, from
the right, all one size) and, as Keras's broadcasting rule says an unknown dim meets a known one
as that known size, may take the known sizes of the other inputs: the first layout that runs wins.
Where meta tensors fail, the run retries on CPU fake tensors (they mix with CPU constants the op
creates), then, for functions that need values (`.item()`, nonzero), on small CPU zero tensors. An
op may also declare its spec directly as `func._output_spec(*args, **kwargs)` (see _common.spec_for).
"""

import itertools
import re

import torch

from torchkeras.keras_tensor import KerasTensor, dtype_name, flatten, map_structure, torch_dtype

# Stand-in sizes of the two runs: distinct, unlikely as real sizes, never 1 (which broadcasts).
_META_SIZES = ((1031, 1033, 1039, 1049, 1051, 1061, 1063, 1069),
               (2053, 2063, 2069, 2081, 2083, 2087, 2089, 2099))
# Real (CPU) runs allocate memory: small sizes, still distinct between the runs.
_CPU_SIZES = ((7, 11, 13, 17, 19, 23, 29, 31), (8, 12, 14, 18, 20, 24, 30, 32))
# A third run with small sizes: min(None, 3) is None in Keras, but min(1031, 3) == min(2053, 3).
_SMALL_SIZES = (2, 3, 5, 7, 11, 13, 17, 19)
_MAX_LAYOUTS = 64


class _TryNext(Exception):
    """The failure came from the stand-in tensors (meta device, no values): try the next kind."""


def infer_output(func, args, kwargs, name=None):
    """The KerasTensor structure `func(*args, **kwargs)` returns on symbolic inputs."""
    spec = getattr(func, "_output_spec", None)
    if spec is not None:
        return spec(*args, **kwargs)
    tensors = list({id(t): t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)}.values())
    # meta: cheapest; fake: CPU-device fakes mix with the CPU constants an op creates; cpu: real zeros.
    for device in ("meta", "fake", "cpu"):
        try:
            out_a, others = _search(func, args, kwargs, tensors, device)
            return _merge(out_a, others, name)
        except _TryNext:
            continue


def _search(func, args, kwargs, tensors, device):
    slots = [(i, axis) for i, t in enumerate(tensors) for axis, d in enumerate(t.shape) if d is None]
    first_error, stand_in_failure = None, False
    for layout in _layouts(tensors, slots):
        try:
            out_a = _run(func, args, kwargs, tensors, layout, device, 0)
            if not slots:
                return out_a, []
            others = [_run(func, args, kwargs, tensors, layout, device, 1)]
            try:  # small sizes expose dims clamped by an unknown one (diag, x[:5]); may legitimately fail
                others.append(_run(func, args, kwargs, tensors, layout, device, 2))
            except Exception:  # noqa: BLE001
                pass
            return out_a, others
        except Exception as e:  # noqa: BLE001 - any failure means: try the next layout
            stand_in_failure = stand_in_failure or _stand_in_failure(e, device)
            first_error = first_error or e
            if not slots:
                break
    if stand_in_failure and device != "cpu":
        raise _TryNext() from first_error
    if isinstance(first_error, (RuntimeError, IndexError)) and not isinstance(first_error, ValueError):
        # Torch reports bad shapes and axes as RuntimeError / IndexError; Keras as ValueError: raise both.
        kind = type("SymbolicShapeError", (ValueError, type(first_error)), {})
        raise kind(_axis_message(first_error) or
                   f"Invalid input shapes {[t.shape for t in tensors]} for this op: {first_error}") from first_error
    raise first_error


def _axis_message(e):
    """Keras's wording for torch's out-of-range dim errors ("axis 5 is out of bounds ...")."""
    m = re.search(r"Dimension out of range \(expected to be in range of \[-(\d+), \d+\], but got (-?\d+)\)", str(e))
    if m is None:
        return None
    return f"axis {m.group(2)} is out of bounds for array of dimension {m.group(1)} ({e})."


def _stand_in_failure(e, device):
    if isinstance(e, NotImplementedError):
        return True
    msg = str(e).lower()
    if device == "meta":
        return "meta" in msg
    return "fake" in msg or "data-dependent" in msg or "data dependent" in msg or "item()" in msg \
        or type(e).__name__ in ("DataDependentOutputException", "DynamicOutputShapeException",
                                "UnsupportedOperatorException")


def _layouts(tensors, slots):
    """Ways to size the unknown dims: {slot: ("key", k) | ("size", n)}; stand-ins with one key agree."""
    if not slots:
        yield {}
        return
    left = {s: ("key", s[1]) for s in slots}
    yield left
    yield {s: ("key", s[1] - tensors[s[0]].ndim) for s in slots}
    yield {s: ("key", 0) for s in slots}
    count = 3
    candidates = {s: _candidates(tensors, s) for s in slots}
    for n in range(1, min(len(slots), 4) + 1):
        for chosen in itertools.combinations(slots, n):
            for sizes in itertools.product(*(candidates[s] for s in chosen)):
                layout = dict(left)
                layout.update({s: ("size", v) for s, v in zip(chosen, sizes)})
                yield layout
                count += 1
                if count >= _MAX_LAYOUTS:
                    return


def _candidates(tensors, slot):
    """Known sizes an unknown dim may meet: same axis from the right in other inputs first (never 1:
    Keras never takes an unknown dim for 1, so squeezing it stays an error)."""
    i, axis = slot
    back = tensors[i].ndim - axis
    out = []
    for j, t in enumerate(tensors):
        if j != i and back <= t.ndim and t.shape[t.ndim - back] is not None:
            out.append(t.shape[t.ndim - back])
    for j, t in enumerate(tensors):
        if j != i and axis < t.ndim and t.shape[axis] is not None:
            out.append(t.shape[axis])
    out += [d for j, t in enumerate(tensors) if j != i for d in t.shape if d is not None]
    return [d for d in dict.fromkeys(out) if d != 1][:4]


def _run(func, args, kwargs, tensors, layout, device, run):
    sizes = _SMALL_SIZES if run == 2 else _CPU_SIZES[run] if device == "cpu" else _META_SIZES[run]
    keys = {}
    index = {id(t): i for i, t in enumerate(tensors)}

    def fake(t):
        shape = []
        for axis, d in enumerate(t.shape):
            if d is None:
                kind, v = layout[(index[id(t)], axis)]
                if kind == "key":
                    v = sizes[keys.setdefault(v, len(keys)) % len(sizes)]
                d = v
            shape.append(d)
        return torch.zeros(shape, dtype=torch_dtype(t.dtype), device="meta" if device == "meta" else "cpu")

    def call():
        fake_args, fake_kwargs = map_structure(lambda x: fake(x) if isinstance(x, KerasTensor) else x,
                                               (args, kwargs))
        return func(*fake_args, **fake_kwargs)

    if device == "meta":
        return call()
    with torch.no_grad():
        if device == "cpu":
            return call()
        from torch._subclasses.fake_tensor import FakeTensorMode
        with FakeTensorMode(allow_non_fake_inputs=True):
            return call()


def _merge(out_a, others, name):
    """KerasTensors with None where the runs' sizes differ."""
    flat_a = flatten(out_a)
    flat_others = [flatten(o) for o in others]
    flat_others = [f for f in flat_others if len(f) == len(flat_a)]
    pos = iter(range(len(flat_a)))

    def convert(t):
        i = next(pos)
        if not isinstance(t, torch.Tensor):
            return t
        shape = list(t.shape)
        for flat in flat_others:
            other = flat[i]
            if isinstance(other, torch.Tensor) and other.dim() == t.dim():
                shape = [None if a != b else a for a, b in zip(shape, other.shape)]
        return KerasTensor(tuple(shape), dtype_name(t.dtype), name=name)

    return map_structure(convert, out_a)
