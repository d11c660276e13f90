"""tf.GradientTape on torch autograd, plus stop_gradient, custom_gradient and gradient clipping."""

import contextlib
import enum

import torch

from torchkeras.porting.tf._core import convert
from torchkeras.porting.tf.nest import flatten, pack_sequence_as


class UnconnectedGradients(enum.Enum):
    NONE = "none"
    ZERO = "zero"


def _param(source):
    """(tensor autograd differentiates, Keras-layout mapper) for a variable or tensor source."""
    if isinstance(source, torch.Tensor):
        return source, None
    param = getattr(source, "param", None)
    if isinstance(param, torch.Tensor):
        return param, source
    raise ValueError(f"GradientTape sources must be tensors or variables; received {source!r} of type "
                     f"{type(source).__name__}.")


def _to_keras_layout(view, g):
    """A torch-layout parameter gradient as the gradient of the variable's Keras-layout value."""
    if g is None or view is None:
        return g
    if getattr(view, "_assign_fn", None) is None:
        return view.to_keras(g)
    with torch.enable_grad():
        probe = torch.zeros(view.shape, dtype=g.dtype, device=g.device, requires_grad=True)
        return torch.autograd.grad(view.to_torch(probe), probe, g)[0]


class GradientTape:
    """Records nothing itself: torch autograd has the graph. `watch` makes a constant tensor
    require grad (restored once the gradient is taken); variables are watched as TF watches
    trainable variables, unless `watch_accessed_variables=False`."""

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._watched, self._flipped = [], []
        self._used = False
        self._grad_mode = None

    def __enter__(self):
        self._grad_mode = torch.enable_grad()
        self._grad_mode.__enter__()
        return self

    def __exit__(self, *exc):
        self._grad_mode.__exit__(*exc)
        self._grad_mode = None
        return False

    def watch(self, tensor):
        for t in flatten(tensor):
            p, _ = _param(t)
            if not p.requires_grad and (p.is_floating_point() or p.is_complex()):
                if p.grad_fn is None:
                    p.requires_grad_(True)
                    self._flipped.append(p)
            self._watched.append(t)

    def watched_variables(self):
        return [t for t in self._watched if not isinstance(t, torch.Tensor) or hasattr(t, "assign")]

    @contextlib.contextmanager
    def stop_recording(self):
        with torch.no_grad():
            yield

    def reset(self):
        self._restore()
        self._watched, self._used = [], False

    def _restore(self):
        for p in self._flipped:
            if p.is_leaf:
                p.requires_grad_(False)
        self._flipped = []

    def _check_usable(self):
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of gradients "
                               "(or jacobians)")
        self._used = True

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        self._check_usable()
        zero = UnconnectedGradients(getattr(unconnected_gradients, "value", unconnected_gradients)) \
            is UnconnectedGradients.ZERO
        flat_sources = flatten(sources)
        grads = self._grads(flatten(target), flat_sources,
                            None if output_gradients is None else flatten(output_gradients), self._persistent)
        out = []
        for s, g in zip(flat_sources, grads):
            if g is None and zero:
                p, view = _param(s)
                g = torch.zeros(view.shape if view is not None else p.shape, dtype=p.dtype, device=p.device)
            out.append(g)
        if not self._persistent:
            self._restore()
        return pack_sequence_as(sources, out) if not isinstance(sources, (torch.Tensor,)) and not hasattr(
            sources, "param") else out[0]

    def _grads(self, targets, sources, output_gradients, retain):
        targets = [convert(t) for t in targets]
        keep = [i for i, t in enumerate(targets) if t.requires_grad]
        watched = {id(w) for w in self._watched}
        inputs, slots = [], []
        for i, s in enumerate(sources):
            p, view = _param(s)
            if p.requires_grad and (self._watch_accessed or id(s) in watched or id(p) in watched):
                inputs.append(p)
                slots.append((i, view))
        result = [None] * len(sources)
        if not keep or not inputs:
            return result
        outs = [targets[i] for i in keep]
        if output_gradients is not None:
            gouts = [convert(output_gradients[i]).to(targets[i].dtype) for i in keep]
        else:
            gouts = [torch.ones_like(t) for t in outs]
        grads = torch.autograd.grad(outs, inputs, gouts, retain_graph=retain, allow_unused=True)
        for (i, view), g in zip(slots, grads):
            if g is not None and g.is_sparse:
                g = g.to_dense()
            result[i] = _to_keras_layout(view, g)
        return result

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        self._check_usable()
        t = convert(target)
        flat = flatten(sources)
        rows = []
        for k in range(t.numel()):
            seed = torch.zeros(t.numel(), dtype=t.dtype, device=t.device)
            seed[k] = 1
            rows.append(self._grads([t], flat, [seed.reshape(t.shape)], True))
        out = []
        for j, s in enumerate(flat):
            p, view = _param(s)
            shape = tuple(view.shape if view is not None else p.shape)
            if all(r[j] is None for r in rows):
                out.append(torch.zeros((*t.shape, *shape), dtype=p.dtype) if str(
                    getattr(unconnected_gradients, "value", unconnected_gradients)) == "zero" else None)
                continue
            out.append(torch.stack([r[j] if r[j] is not None else torch.zeros(shape, dtype=p.dtype)
                                    for r in rows]).reshape(*t.shape, *shape))
        if not self._persistent:
            self._restore()
        return pack_sequence_as(sources, out) if isinstance(sources, (list, tuple, dict)) else out[0]

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        jac = self.jacobian(target, source, unconnected_gradients)
        if jac is None:
            return None
        t, s = convert(target), convert(source)
        b = t.shape[0]
        jac = jac.reshape(b, -1, b, *s.shape[1:])
        idx = torch.arange(b)
        return jac[idx, :, idx].reshape(b, *t.shape[1:], *s.shape[1:])


def stop_gradient(input, name=None):
    t = convert(input)
    return t.detach() if isinstance(t, torch.Tensor) else t


def custom_gradient(f=None):
    """`f(*x)` returns `(y, grad_fn)`; gradients through `y` are `grad_fn(upstream)`."""
    if f is None:
        return custom_gradient

    def wrapped(*args, **kwargs):
        store = {}

        class _Custom(torch.autograd.Function):
            @staticmethod
            def forward(ctx, *xs):
                y, store["grad_fn"] = f(*xs, **kwargs)
                store["structure"] = y
                return tuple(flatten(y)) if isinstance(y, (list, tuple)) else y

            @staticmethod
            def backward(ctx, *upstream):
                grads = store["grad_fn"](*upstream)
                grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
                return tuple(grads[:len(args)]) + (None,) * (len(args) - len(grads))

        out = _Custom.apply(*[convert(a) for a in args])
        return pack_sequence_as(store["structure"], list(out)) if isinstance(out, tuple) else out

    return wrapped


def recompute_grad(f):
    return f


def _dense(t):
    return t if t is None else convert(t)


def global_norm(t_list, name=None):
    ts = [_dense(t) for t in t_list if t is not None]
    if not ts:
        return torch.tensor(0.0)
    return torch.sqrt(sum(torch.sum(torch.square(t.float() if not t.is_floating_point() else t)) for t in ts))


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    if not isinstance(t_list, (list, tuple)):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    norm = global_norm(t_list) if use_norm is None else convert(use_norm)
    clip = convert(clip_norm).to(norm.dtype) if isinstance(clip_norm, torch.Tensor) else clip_norm
    scale = clip * torch.minimum(1.0 / norm, torch.ones_like(norm) / clip)
    return [None if t is None else _dense(t) * scale.to(_dense(t).dtype) for t in t_list], norm


def clip_by_norm(t, clip_norm, axes=None, name=None):
    x = convert(t)
    axes = tuple(range(x.dim())) if axes is None else tuple(
        [int(axes)] if isinstance(axes, int) else [int(a) for a in axes])
    l2sum = torch.sum(x * x, dim=axes, keepdim=True) if axes else x * x
    pred = l2sum > 0
    l2norm = torch.sqrt(torch.where(pred, l2sum, torch.ones_like(l2sum)))
    l2norm = torch.where(pred, l2norm, l2sum)
    return x * clip_norm / torch.maximum(l2norm, torch.as_tensor(clip_norm, dtype=x.dtype))
