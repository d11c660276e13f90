"""LossScaleOptimizer: Keras 3's dynamic loss scaling around an inner optimizer.

The loss is multiplied by `dynamic_scale` before backward; a step with finite gradients
unscales them, runs the inner optimizer and, after `dynamic_growth_steps` finite steps in a row,
doubles the scale; a step with a non-finite gradient is skipped and halves the scale. Checking
finiteness reads one boolean from the device per step (Keras's `ops.cond` does the same)."""

import numpy as np
import torch

from torchkeras.optimizers import _state
from torchkeras.optimizers._values import state_tensor
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.utils import serialization

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


def all_finite(grads):
    grads = [g for g in grads if g is not None]
    if not grads:
        return True
    return bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())


class LossScaleOptimizer(Optimizer):
    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the "
                             "`inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs:
                value = kwargs.pop(arg)
                if (default is None and value is not None) or value != default:
                    raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, "
                                     f"set `{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs.keys())}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("`inner_optimizer` must be a torchkeras optimizer. Received: "
                            f"inner_optimizer={inner_optimizer!r}")
        self.inner_optimizer = inner_optimizer
        super().__init__(learning_rate=0.0, name=name)
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None
        self.step_counter = 0
        self.dynamic_scale = float(np.float32(initial_scale))
        # torch's protocol (zero_grad, step) walks the inner optimizer's parameters
        self.param_groups = inner_optimizer.param_groups
        self.built = inner_optimizer.built

    # The trainer scales the loss whenever `loss_scale_factor` is set: here it is the live scale.
    @property
    def loss_scale_factor(self):
        return self.dynamic_scale if hasattr(self, "dynamic_scale") else None

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        pass

    def build(self, var_list):
        self.inner_optimizer.build(var_list)
        self.param_groups = self.inner_optimizer.param_groups
        self.built = True

    def scale_loss(self, loss):
        return loss * self.dynamic_scale

    def _after_finite_step(self):
        if self.step_counter == self.dynamic_growth_steps - 1:
            self.step_counter = 0
            self.dynamic_scale = float(np.float32(self.dynamic_scale * 2.0))
        else:
            self.step_counter += 1

    def _after_non_finite_step(self):
        self.step_counter = 0
        self.dynamic_scale = float(np.float32(self.dynamic_scale * 0.5))

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        grads = [p.grad for g in self.param_groups for p in g["params"] if p.grad is not None]
        if all_finite(grads):
            scaled = [p.grad for g in self.param_groups for p in g["params"]
                      if p.grad is not None and not getattr(p, "overwrite_with_gradient", False)]
            with torch.no_grad():
                torch._foreach_div_(scaled, self.dynamic_scale)
            self.inner_optimizer.step()
            self._after_finite_step()
        else:
            self._after_non_finite_step()
        return loss

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if trainable_variables is not None and not self.built:
            self.build(trainable_variables)
        if all_finite([g if g is None or isinstance(g, torch.Tensor) else torch.as_tensor(
                np.asarray(g)) for g in grads]):
            # As Keras: an `overwrite_with_gradient` variable (float8 scales) takes its gradient as is.
            overwrite = [getattr(v, "overwrite_with_gradient", False) for v in trainable_variables or ()]
            overwrite += [False] * (len(grads) - len(overwrite))
            scaled = [None if g is None else (g if isinstance(g, torch.Tensor) else
                                              torch.as_tensor(np.asarray(g))) / (1.0 if o else self.dynamic_scale)
                      for g, o in zip(grads, overwrite)]
            self.inner_optimizer.apply(scaled, trainable_variables)
            self._after_finite_step()
        else:
            self._after_non_finite_step()

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if hasattr(self, "inner_optimizer") and hasattr(self, "dynamic_scale"):
            self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def variables(self):
        def set_counter(t):
            self.step_counter = int(t)

        def set_scale(t):
            self.dynamic_scale = float(t)

        own = [state_tensor(torch.tensor(0, dtype=torch.int64)), state_tensor(torch.tensor(0.0)),
               state_tensor(torch.tensor(self.step_counter, dtype=torch.int64), set_counter),
               state_tensor(torch.tensor(self.dynamic_scale, dtype=torch.float32), set_scale)]
        return own + self.inner_optimizer.variables

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        from torchkeras.optimizers._stateless import stateless_apply
        return stateless_apply(self, getattr(self.inner_optimizer, "_refs", None),
                               optimizer_variables, grads, trainable_variables)

    def save_own_variables(self, store):
        own = [np.asarray(0, np.int64), np.asarray(0.0, np.float32),
               np.asarray(self.step_counter, np.int64),
               np.asarray(self.dynamic_scale, np.float32)]
        for i, value in enumerate(own + _state.keras_layout_variables(self.inner_optimizer)):
            store[str(i)] = value

    def load_own_variables(self, store):
        self.step_counter = int(np.asarray(store["2"]))
        self.dynamic_scale = float(np.asarray(store["3"]))
        inner = {str(i - 4): store[str(i)] for i in range(4, len(store.keys()))}
        _state.load_keras_layout_variables(self.inner_optimizer, inner)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def zero_grad(self, set_to_none=True):
        self.inner_optimizer.zero_grad(set_to_none=set_to_none)

    def state_dict(self):
        return {"inner": self.inner_optimizer.state_dict(), "step_counter": self.step_counter,
                "dynamic_scale": self.dynamic_scale}

    def load_state_dict(self, state_dict):
        self.inner_optimizer.load_state_dict(state_dict["inner"])
        self.step_counter = int(state_dict["step_counter"])
        self.dynamic_scale = float(state_dict["dynamic_scale"])

    def get_config(self):
        return {"name": self.name,
                "inner_optimizer": serialization.serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from torchkeras.optimizers import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
