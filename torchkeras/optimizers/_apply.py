"""The update pipeline Keras runs around every optimizer's own rule, in Keras's order:
unscale (loss_scale_factor) -> gradient accumulation -> clip -> decoupled weight decay ->
update rule -> EMA -> variable constraints -> iterations += 1.

Scalar coefficients are computed on the host in float32 (Keras casts every hyperparameter to
the variable's dtype), so a step never waits on the device.
"""

import re
import warnings

import numpy as np
import torch
from torch.optim.optimizer import _global_optimizer_post_hooks, _global_optimizer_pre_hooks

from torchkeras import sparse_grads
from torchkeras.optimizers import _state
from torchkeras.optimizers._values import f32, host_dtype


class ApplyMixin:
    # During one update: id(grad) -> (ids, per-occurrence rows) for Embedding gradients that
    # tf.keras would see as IndexedSlices (see torchkeras/sparse_grads.py).
    _sparse_by_grad = None

    # -- public entry points ----------------------------------------------------------------
    def step(self, closure=None):
        """One Keras update of every parameter that has a `.grad` (torch's protocol)."""
        # torch wraps every `step` in a profiler range plus its hook loops, which costs about
        # as much as a small model's whole update. `hooked` tells torch not to wrap this one;
        # torch's wrapper still runs whenever there is something for it to do.
        if (_global_optimizer_pre_hooks or _global_optimizer_post_hooks
                or self._optimizer_step_pre_hooks or self._optimizer_step_post_hooks
                or torch._C._autograd._profiler_enabled()) and type(self).step is ApplyMixin.step:
            return _HOOKED_STEP(self, closure)
        loss = self._step(closure)
        self._optimizer_step_code()
        return loss

    step.hooked = True

    def _step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if not self.param_groups:
            raise ValueError(
                f"Optimizer '{self.name}' has no variables to update: it was created in the "
                "Keras form without parameters and never built. Call "
                "`optimizer.build(model.trainable_weights)` first, or pass the parameters: "
                f"`{type(self).__name__}(model.parameters(), ...)`.")
        buckets = []
        index = self._index
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            for p in params:
                if id(p) not in index:  # added with add_param_group after construction
                    _state.register(self, [(p, None)])
            buckets.append((group, params, [p.grad for p in params]))
        if buckets:
            with torch.no_grad():
                self._apply_buckets(buckets)
        return loss

    def apply(self, grads, trainable_variables=None):
        """Keras's `apply`: grads in the variables' Keras layout (builds on first use)."""
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first.")
            if len(grads) != len(self._refs):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    f"match `optimizer.variables` one-to-one. Received a list of {len(grads)} "
                    f"gradients, but the optimizer is tracking {len(self._refs)} trainable "
                    "variables.")
            refs = self._refs
        else:
            refs = list(trainable_variables)
            if len(refs) != len(grads):
                raise ValueError(f"Received {len(grads)} gradients for {len(refs)} variables; "
                                 "pass one gradient (or None) per variable.")
            self.build(refs)
        params, torch_grads, missing = [], [], []
        for g, ref in zip(grads, refs):
            if g is None:
                missing.append(getattr(ref, "path", None) or getattr(ref, "name", None)
                               or f"<tensor of shape {tuple(_state.param_of(ref).shape)}>")
                continue
            p = _state.param_of(ref)
            params.append(p)
            torch_grads.append(self._grad_to_torch(g, ref, p))
        if not params:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a `loss` "
                          "argument?", stacklevel=2)
        if not self.gradient_accumulation_steps and any(
                getattr(p, "overwrite_with_gradient", False) for p in params):
            params, torch_grads = _overwrite_with_gradient(params, torch_grads)
            if not params:  # every variable took its gradient: the step still counts
                self._raw_iterations += 1
                return
        group = self.param_groups[0] if self.param_groups else None
        with torch.no_grad():
            self._apply_buckets([(group, params, torch_grads)])

    def apply_gradients(self, grads_and_vars):
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs)
        self.apply(grads, variables)
        return self.iterations

    def scale_loss(self, loss):
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables (by identity) or names (regex search on `variable.name`)."""
        self._wd_exclude_ids = {id(_state.param_of(v)) for v in (var_list or ())}
        names = set(var_names or ())
        self._wd_exclude_pattern = re.compile("|".join(names)) if names else None
        self._wd_cache = {}

    def finalize_variable_values(self, var_list):
        """With EMA, overwrite the variables with their moving averages (end of fit)."""
        if not self.use_ema:
            return
        with torch.no_grad():
            for ref in var_list:
                p = _state.param_of(ref)
                if id(p) in self._index:
                    p.copy_(self.state[p]["average"])

    # -- the pipeline -----------------------------------------------------------------------
    @staticmethod
    def _grad_to_torch(g, ref, p):
        if not isinstance(g, torch.Tensor):
            g = torch.as_tensor(np.asarray(g))
        g = g.detach().to(device=p.device, dtype=p.dtype)
        if _state.is_keras_view(ref):
            g = ref.to_torch(g)
        if tuple(g.shape) != tuple(p.shape):
            raise ValueError(f"Gradient of shape {tuple(g.shape)} does not match variable "
                             f"{getattr(ref, 'path', '')!s} (torch shape {tuple(p.shape)}).")
        return g

    def _apply_buckets(self, buckets):
        if len(buckets) == 1:
            params, grads = buckets[0][1], buckets[0][2]
        else:
            params = [p for _, ps, _ in buckets for p in ps]
            grads = [g for _, _, gs in buckets for g in gs]
        sparse = sparse_grads.take(params, grads)
        if sparse is not None and (self.loss_scale_factor is not None
                                   or self.gradient_accumulation_steps):
            sparse = None  # tf.keras densifies IndexedSlices when it unscales or accumulates
        if self.loss_scale_factor is not None:
            grads = torch._foreach_div(grads, f32(self.loss_scale_factor).item())
        steps = self.gradient_accumulation_steps
        if steps:
            accs = [self.state[p]["gradient_accumulator"] for p in params]
            if (self._raw_iterations + 1) % steps == 0:
                grads = torch._foreach_add(grads, accs)
                torch._foreach_div_(grads, float(steps))
                self._clip_decay_update(buckets, params, grads)
                for a in accs:
                    a.zero_()
            else:
                torch._foreach_add_(accs, grads)
        else:
            self._clip_decay_update(buckets, params, grads, sparse)
        if self.use_ema:
            self._update_ema()
        self._apply_constraints(params)
        self._raw_iterations += 1

    def _clip_decay_update(self, buckets, params, grads, sparse=None):
        if sparse is None:
            grads = self._clip_gradients(grads)
        else:
            grads, sparse = self._clip_gradients_with_slices(grads, sparse)
            self._sparse_by_grad = {id(g): s for g, s in zip(grads, sparse) if s is not None}
        try:
            self._decay_and_update(buckets, grads)
        finally:
            self._sparse_by_grad = None

    def _decay_and_update(self, buckets, grads):
        lrs = [self._base_lr(group) for group, _, _ in buckets]
        if self.weight_decay is not None:
            for (_, ps, _), lr in zip(buckets, lrs):
                self._apply_weight_decay(ps, lr)
        self._before_update()
        # `iterations` without building its StepCount: this runs every step.
        acc = self.gradient_accumulation_steps
        local_step = (self._raw_iterations // acc if acc else self._raw_iterations) + 1
        state = self.state
        start = 0
        for (_, ps, _), lr in zip(buckets, lrs):
            n = len(ps)
            gs = grads if n == len(grads) else grads[start:start + n]
            start += n
            for dt_params, dt_grads in _split_by_dtype(ps, gs):
                dt = host_dtype(dt_params[0].dtype)
                states = [state[p] for p in dt_params]
                self._update(dt_params, dt_grads, states, dt(lr), dt(local_step), dt)

    def _clip_gradients(self, grads):
        if grads and not isinstance(grads[0], torch.Tensor):  # Keras accepts arrays here too
            grads = [torch.as_tensor(np.asarray(g)) for g in grads]
        if self.clipnorm and self.clipnorm > 0:
            c = f32(self.clipnorm).item()
            norms = torch._foreach_norm(grads)
            out = torch._foreach_mul(grads, c)
            torch._foreach_div_(out, torch._foreach_clamp_min(norms, c))
            return out
        if self.global_clipnorm and self.global_clipnorm > 0:
            c = f32(self.global_clipnorm).item()
            norm = torch.stack([torch.sum(torch.square(g)) for g in grads]).sum().sqrt()
            # Keras's form: finite norms give min(1, c/norm); inf/nan norms poison the scale.
            scale = c * torch.minimum(1.0 / norm, torch.full_like(norm, 1.0 / c)) + (norm - norm)
            return torch._foreach_mul(grads, scale)
        if self.clipvalue and self.clipvalue > 0:
            v = f32(self.clipvalue).item()
            out = torch._foreach_clamp_min(grads, -v)
            torch._foreach_clamp_max_(out, v)
            return out
        return grads

    def _clip_gradients_with_slices(self, grads, sparse):
        """`_clip_gradients` where some grads also come as per-occurrence rows: tf.keras clips
        each occurrence (clipvalue) and measures norms over the occurrences (clipnorm, and
        global_clipnorm, whose `v * scale` then densifies them). Dense grads go through
        `_clip_gradients` itself."""
        clipnorm = self.clipnorm and self.clipnorm > 0
        if not clipnorm and self.global_clipnorm and self.global_clipnorm > 0:
            c = f32(self.global_clipnorm).item()
            norm = torch.stack([torch.sum(torch.square(g if s is None else s[1]))
                                for g, s in zip(grads, sparse)]).sum().sqrt()
            scale = c * torch.minimum(1.0 / norm, torch.full_like(norm, 1.0 / c)) + (norm - norm)
            return [g * scale for g in grads], [None] * len(grads)
        if not clipnorm and not (self.clipvalue and self.clipvalue > 0):
            return grads, sparse
        dense = [i for i, s in enumerate(sparse) if s is None]
        out_g, out_s = list(grads), list(sparse)
        for i, g in zip(dense, self._clip_gradients([grads[i] for i in dense]) if dense else ()):
            out_g[i] = g
        c = f32(self.clipnorm if clipnorm else self.clipvalue).item()
        for i, s in enumerate(sparse):
            if s is None:
                continue
            ids, rows = s
            if clipnorm:  # each tensor by its own norm, measured over the occurrences
                denom = torch.clamp_min(torch.sqrt(torch.sum(torch.square(rows))), c)
                out_g[i], out_s[i] = grads[i] * c / denom, (ids, rows * c / denom)
            else:
                rows = torch.clamp(rows, -c, c)
                out_g[i], out_s[i] = sparse_grads.row_sums(grads[i], ids, rows), (ids, rows)
        return out_g, out_s

    def _elementwise(self, grads, dense_op, row_op):
        """`dense_op` (a foreach op) on the grads; for an Embedding gradient tf.keras would pass
        as IndexedSlices, the per-row sum of `row_op` of each occurrence (Keras's sparse ops)."""
        lookup = self._sparse_by_grad
        if not lookup:
            return dense_op(grads)
        dense = [g for g in grads if id(g) not in lookup]
        done = iter(dense_op(dense) if dense else ())
        out = []
        for g in grads:
            s = lookup.get(id(g))
            out.append(next(done) if s is None else sparse_grads.row_sums(g, s[0], row_op(s[1])))
        return out

    def _squares(self, grads):
        return self._elementwise(grads, lambda gs: torch._foreach_mul(gs, gs), torch.square)

    def _abs_sums(self, grads):
        return self._elementwise(grads, torch._foreach_abs, torch.abs)

    def _use_weight_decay(self, p):
        key = id(p)
        cached = self._wd_cache.get(key)
        if cached is not None:
            return cached
        use = key not in self._wd_exclude_ids
        name = self._names.get(key)
        if use and self._wd_exclude_pattern is not None and name is not None:
            use = self._wd_exclude_pattern.search(name) is None
        self._wd_cache[key] = use
        return use

    def _apply_weight_decay(self, params, lr):
        if self.weight_decay is None:
            return
        ps = [p for p in params if self._use_weight_decay(p)]
        for dt_params, _ in _split_by_dtype(ps, ps):
            dt = host_dtype(dt_params[0].dtype)
            decayed = torch._foreach_mul(dt_params, dt(self.weight_decay).item())
            torch._foreach_mul_(decayed, dt(lr).item())
            torch._foreach_sub_(dt_params, decayed)

    def _update_ema(self):
        momentum = f32(self.ema_momentum) if int(self.iterations) != 0 else f32(0.0)
        averages = [self.state[p]["average"] for p in self._params]
        torch._foreach_mul_(averages, momentum.item())
        torch._foreach_add_(averages, torch._foreach_mul(self._params,
                                                         (f32(1.0) - momentum).item()))
        freq = self.ema_overwrite_frequency
        if freq and (int(self.iterations) + 1) % freq == 0:
            torch._foreach_copy_(self._params, averages)

    def _apply_constraints(self, params):
        refs, index = self._refs, self._index
        for p in params:
            ref = refs[index[id(p)]]
            constraint = getattr(ref, "constraint", None)
            if constraint is not None:
                value = ref.value if hasattr(ref, "value") else ref
                ref.assign(constraint(value))

    # -- subclass hooks ---------------------------------------------------------------------
    def _before_update(self):
        """Once per applied update, before the per-variable rule (Nadam's momentum product)."""

    def _update(self, params, grads, states, lr, local_step, dt):
        """Apply the rule to same-dtype `params` in place; scalars are numpy scalars of `dt`."""
        raise NotImplementedError(f"{type(self).__name__} must implement `_update`.")


# torch's own wrapper (profiler range + step hooks), used only when hooks or a profiler are on.
_HOOKED_STEP = torch.optim.Optimizer.profile_hook_step(ApplyMixin._step)


def _split_by_dtype(params, grads):
    if not params:
        return []
    first = params[0].dtype
    if all(p.dtype == first for p in params):
        return [(params, grads)]
    out = {}
    for p, g in zip(params, grads):
        out.setdefault(p.dtype, ([], []))
        out[p.dtype][0].append(p)
        out[p.dtype][1].append(g)
    return list(out.values())


def _overwrite_with_gradient(params, grads):
    """Keras's `overwrite_with_gradient` variables (float8 scales) take their gradient as their
    new value; the rest go on to the update rule."""
    rest_p, rest_g = [], []
    with torch.no_grad():
        for p, g in zip(params, grads):
            if getattr(p, "overwrite_with_gradient", False):
                p.copy_(g)
            else:
                rest_p.append(p)
                rest_g.append(g)
    return rest_p, rest_g
