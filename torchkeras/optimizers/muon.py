"""Muon (Keras 3 rule and defaults): momentum orthogonalised by a Newton-Schulz iteration for
2D variables; an AdamW step for everything else (and, by default, for embeddings).

The orthogonalisation runs on the KERAS layout of a kernel ((in, out) for Dense), as Keras
computes it, then the step is mapped back to the torch parameter."""

import re

import numpy as np
import torch

from torchkeras.optimizers import _state
from torchkeras.optimizers.base_optimizer import Optimizer


class Muon(Optimizer):
    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)

    # -- which rule a variable gets ----------------------------------------------------------
    def _view(self, p):
        return self._views.get(id(p))

    def _keras_ref(self, ref):
        """(Keras shape, path) of a parameter this optimizer tracks, or of a Keras variable."""
        if isinstance(ref, torch.Tensor) and id(ref) in self._index:
            view = self._view(ref)
            shape = tuple(view.shape) if view is not None and hasattr(view, "shape") else tuple(
                ref.shape)
            path = getattr(view, "path", None)
            return shape, path if isinstance(path, str) else (self._names.get(id(ref)) or "")
        path = getattr(ref, "path", None) or getattr(ref, "name", None)
        return tuple(ref.shape), path if isinstance(path, str) else ""

    def _should_use_adamw(self, variable):
        shape, path = self._keras_ref(variable)
        if len(shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def _slot_passes(self):
        def velocity(p):
            return torch.zeros_like(p) if self._should_use_adamw(p) else None
        return [(("momentum", 0.0), ("velocity", velocity))]

    # -- weight decay: adam_weight_decay on the AdamW variables, weight_decay on the others ----
    def _decay_and_update(self, buckets, grads):
        if self.weight_decay is None and self.adam_weight_decay is not None:
            for group, ps, _ in buckets:
                self._apply_weight_decay(ps, self._base_lr(group))
        super()._decay_and_update(buckets, grads)

    def _apply_weight_decay(self, params, lr=None):
        if lr is None:  # Keras's signature: variables only, at the current learning rate
            lr = float(self.learning_rate)
        params = [_state.param_of(v) for v in params]
        with torch.no_grad():
            for p in params:
                if not self._use_weight_decay(p):
                    continue
                wd = self.adam_weight_decay if self._should_use_adamw(p) else self.weight_decay
                if wd is None:
                    continue
                dt = np.float64 if p.dtype == torch.float64 else np.float32
                p.sub_(p * float(dt(wd)) * float(dt(lr)))

    # -- the rules ---------------------------------------------------------------------------
    def _update(self, params, grads, states, lr, local_step, dt):
        for p, g, st in zip(params, grads, states):
            if "velocity" in st:
                self._adamw_step(p, g, st, lr * dt(self.adam_lr_ratio), local_step, dt)
            else:
                self._muon_step(p, g, st, lr, dt)

    def _adamw_step(self, p, g, st, lr, local_step, dt):
        one = dt(1.0)
        alpha = lr * np.sqrt(one - dt(self.adam_beta_2) ** local_step) / (
            one - dt(self.adam_beta_1) ** local_step)
        m, v = st["momentum"], st["velocity"]
        m.lerp_(g, float(dt(1 - self.adam_beta_1)))
        v.lerp_(self._squares([g])[0], float(dt(1 - self.adam_beta_2)))
        p.sub_((m * float(alpha)) / (torch.sqrt(v) + float(dt(self.epsilon))))

    def _muon_step(self, p, g, st, lr, dt):
        m = st["momentum"]
        m.add_(g + m * float(dt(self.momentum - 1)))
        direction = g + float(dt(self.momentum)) * m if self.nesterov else m
        view = self._view(p)
        to_keras = getattr(view, "to_keras", None)
        if to_keras is not None:
            direction = to_keras(direction)
        update = self.zeropower_via_newtonschulz5(direction, self.ns_steps, dt)
        step = self.lr_adjust(update * float(lr), dt)
        if to_keras is not None:
            step = view.to_torch(step)
        p.sub_(step)

    def update_step(self, gradient, variable, learning_rate):
        """Keras's one-variable update (builds on first use); `variable` in Keras layout."""
        self.build([variable])
        p = _state.param_of(variable)
        g = self._grad_to_torch(gradient, variable, p)
        dt = np.float64 if p.dtype == torch.float64 else np.float32
        with torch.no_grad():
            self._update([p], [g], [self.state[p]], dt(learning_rate),
                         dt(int(self.iterations) + 1), dt)

    @staticmethod
    def transpose_last_axis(x):
        return torch.as_tensor(x).transpose(-2, -1)

    def lr_adjust(self, x, dt=np.float32):
        """Scale a 2D step by sqrt(max(rows, cols)) * rms_rate (Keras's RMS matching)."""
        x = torch.as_tensor(x)
        if self.rms_rate is None:
            return x
        x = x * float(np.sqrt(dt(max(x.shape[0], x.shape[1]))))
        return x * float(dt(self.rms_rate))

    def zeropower_via_newtonschulz5(self, x, steps, dt=np.float32):
        x = torch.as_tensor(x)
        if x.dim() < 2:
            raise ValueError("Expected gradient or momentum to have at least 2 dimensions. "
                             f"Received: shape={tuple(x.shape)}")
        a, b, c = (float(dt(v)) for v in (self.muon_a, self.muon_b, self.muon_c))
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = x.transpose(-2, -1)
        x = x / (torch.linalg.matrix_norm(x, keepdim=True) + 1e-7)
        for _ in range(steps):
            gram = x @ x.transpose(-2, -1)
            poly = b * gram + (c * gram) @ gram
            x = a * x + poly @ x
        if tall:
            x = x.transpose(-2, -1)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon, "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate})
        return config
