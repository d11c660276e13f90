"""Value and shape comparison shared by the harness and `compare()`: numpy on both sides.

A value matches when |ours - keras| <= atol + rtol * |keras| elementwise; NaNs must coincide and
infinities must be equal.
"""

from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class Result:
    id: str
    family: str
    kind: str
    passed: bool = True
    max_abs_err: float = 0.0
    checks: list = field(default_factory=list)   # (name, ok, detail)
    seconds: float = 0.0

    def check(self, name, ok, detail=""):
        self.checks.append((name, bool(ok), detail))
        if not ok:
            self.passed = False

    def failures(self):
        return [(n, d) for n, ok, d in self.checks if not ok]

    def summary(self):
        fails = self.failures()
        if not fails:
            return ""
        name, detail = fails[0]
        more = f" (+{len(fails) - 1} more)" if len(fails) > 1 else ""
        return f"{name}: {detail}"[:300] + more

    def as_dict(self):
        return {"id": self.id, "family": self.family, "kind": self.kind, "passed": self.passed,
                "max_abs_err": self.max_abs_err, "seconds": round(self.seconds, 3),
                "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in self.checks]}


def as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def torch_to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [torch_to_numpy(v) for v in x]
    if isinstance(x, dict):
        return {k: torch_to_numpy(v) for k, v in x.items()}
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def to_torch(x, requires_grad=False):
    if isinstance(x, (list, tuple)):
        return [to_torch(v, requires_grad) for v in x]
    t = torch.from_numpy(np.array(x, copy=True))
    if requires_grad and t.is_floating_point():
        t.requires_grad_(True)
    return t


def close(ours, ref, atol, rtol):
    """(ok, max_abs_err, detail) for two arrays of the same expected shape."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    if ours.shape != ref.shape:
        return False, float("inf"), f"shape {ours.shape} != keras {ref.shape}"
    if ours.size == 0:
        return True, 0.0, ""
    o, r = ours.astype(np.float64), ref.astype(np.float64)
    nan_o, nan_r = np.isnan(o), np.isnan(r)
    if (nan_o != nan_r).any():
        return False, float("inf"), f"NaN at different positions ({int(nan_o.sum())} ours, {int(nan_r.sum())} keras)"
    o, r = np.where(nan_o, 0, o), np.where(nan_r, 0, r)
    same_inf = np.isinf(r) & (o == r)
    diff = np.where(same_inf, 0.0, np.abs(o - r))
    bad = diff > atol + rtol * np.where(same_inf, 0.0, np.abs(r))
    err = float(diff.max())
    if bad.any():
        idx = np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), diff.shape)
        return False, err, f"max abs err {err:.3g} at {tuple(int(i) for i in idx)}: ours {o[idx]:.8g} vs keras {r[idx]:.8g}"
    return True, err, ""


def compare_values(res, name, ours, ref, atol, rtol, dtype=True):
    ours, ref = as_list(ours), as_list(ref)
    if len(ours) != len(ref):
        res.check(name, False, f"{len(ours)} outputs, keras has {len(ref)}")
        return
    for i, (o, r) in enumerate(zip(ours, ref)):
        tag = name if len(ref) == 1 else f"{name}[{i}]"
        ok, err, detail = close(o, r, atol, rtol)
        if np.isfinite(err):
            res.max_abs_err = max(res.max_abs_err, err)
        res.check(tag, ok, detail)
        if dtype and ok and np.asarray(o).dtype != np.asarray(r).dtype:
            res.check(tag + " dtype", False, f"{np.asarray(o).dtype} != keras {np.asarray(r).dtype}")


def norm_shape(s):
    if isinstance(s, dict):
        return {k: norm_shape(v) for k, v in s.items()}
    if isinstance(s, (list, tuple)) and s and isinstance(s[0], (list, tuple, dict)):
        return [norm_shape(v) for v in s]
    if hasattr(s, "as_list"):
        s = s.as_list()
    return tuple(None if d is None else int(d) for d in s)


def batch_shapes(x):
    shapes = [(None,) + tuple(np.shape(v))[1:] for v in as_list(x)]
    return shapes if isinstance(x, (list, tuple)) else shapes[0]
