"""Keras 3 `Optimizer` as a `torch.optim.Optimizer`.

Two construction forms share one class:
  * Keras: `Adam(learning_rate=1e-3)`: unbound; `build(var_list)` binds it later (compile comes
    before the model is built), or `apply`/`apply_gradients` builds on first use.
  * torch: `Adam(model.parameters(), learning_rate=1e-3)`: the first positional argument is an
    iterable of tensors / param-group dicts rather than a number or schedule.
Parameters live in torch's `param_groups` and per-parameter state in `self.state[p]`, so torch
tooling (`state_dict`, lr schedulers, `zero_grad`) keeps working. The update rules are in
`_apply.py` (the shared pipeline) and in each subclass's `_update`.
"""

import inspect

import numpy as np
import torch

from torchkeras import config as _config
from torchkeras.optimizers import _state
from torchkeras.optimizers._apply import ApplyMixin
from torchkeras.optimizers._values import (
    LearningRateValue,
    StepCount,
    check_base_args,
    f32,
    looks_like_params,
    warn_once,
)
from torchkeras.optimizers.schedules import LearningRateSchedule
from torchkeras.utils import serialization


class _OptimizerMeta(type):
    """Moves torch's leading `params` argument out of the way of Keras's `learning_rate`."""

    def __call__(cls, *args, **kwargs):
        if args and looks_like_params(args[0]):
            if "params" in kwargs:
                raise TypeError(
                    f"{cls.__name__}() received `params` both positionally and by keyword.")
            kwargs["params"] = args[0]
            args = args[1:]
        return super().__call__(*args, **kwargs)


class Optimizer(ApplyMixin, torch.optim.Optimizer, metaclass=_OptimizerMeta):
    """Base class: Keras's optimizer API and update pipeline on torch tensors."""

    _keras_module = "keras.optimizers"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The metaclass hides __init__'s signature from inspect; publish Keras's.
        sig = inspect.signature(cls.__init__)
        cls.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        params = kwargs.pop("params", None)
        if "lr" in kwargs:
            warn_once("lr", "The `lr` argument is deprecated in Keras 3: use `learning_rate=` "
                            "instead. torchkeras maps it to `learning_rate`.")
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        if decay:
            warn_once("decay", "`decay` was removed in Keras 3 (which ignores it). torchkeras "
                               "keeps Keras 2's meaning lr / (1 + decay * iterations); prefer "
                               "a keras.optimizers.schedules.InverseTimeDecay schedule.")
        if kwargs:
            valid = list(inspect.signature(type(self)).parameters)
            raise ValueError(f"Argument(s) not recognized: {kwargs}. Valid arguments are those "
                             f"of {type(self).__name__}: {valid}")
        check_base_args(clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
                        ema_overwrite_frequency, gradient_accumulation_steps)
        self.name = name if name is not None else _config.unique_name(
            _config.to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.decay = float(decay) if decay else 0.0
        self._raw_iterations = 0
        self._lr_fn = None
        self._lr = 0.0
        self._set_learning_rate(learning_rate)
        _state.init_tracking(self)
        defaults = {"lr": self._lr}
        if params is None:
            # torch refuses an empty optimizer; start with an empty group and drop it.
            super().__init__([{"params": []}], defaults)
            self.param_groups.clear()
            self.built = False
        else:
            groups, pairs = _state.normalize_param_groups(self, params)
            super().__init__(groups, defaults)
            _state.register(self, pairs)
            self.built = True

    # -- learning rate ----------------------------------------------------------------------
    def _set_learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or (
                callable(value) and not isinstance(value, torch.Tensor)):
            self._lr_fn = value
            return
        if isinstance(self._lr_fn, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument.")
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.number)):
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration value "
                f"and returns the corresponding learning rate value). Received instead: "
                f"learning_rate={value!r}")
        self._lr_fn = None
        # Keras stores the rate in a float32 variable: round it the same way.
        self._lr = float(f32(value))
        for group in getattr(self, "param_groups", ()):
            group["lr"] = self._lr
        if hasattr(self, "defaults"):
            self.defaults["lr"] = self._lr

    @property
    def learning_rate(self):
        if isinstance(self._lr_fn, LearningRateSchedule):
            return LearningRateValue(self._lr_fn(self._raw_iterations), self)
        if self._lr_fn is not None:
            return LearningRateValue(self._lr_fn(), self)
        if self.param_groups:
            return LearningRateValue(self.param_groups[0]["lr"], self)
        return LearningRateValue(self._lr, self)

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    # Keras 2 spelling, still common in ported scripts (`K.set_value(opt.lr, ...)`).
    lr = learning_rate

    def _base_lr(self, group):
        """float32 learning rate for this step (schedule, torch group lr, Keras 2 decay)."""
        if isinstance(self._lr_fn, LearningRateSchedule):
            lr = f32(self._lr_fn(self._raw_iterations))
        elif self._lr_fn is not None:
            lr = f32(self._lr_fn())
        else:
            lr = f32(group["lr"] if group is not None else self._lr)
        if self.decay:
            lr = lr / (f32(1.0) + f32(self.decay) * f32(self._raw_iterations))
        return lr

    # -- step count -------------------------------------------------------------------------
    @property
    def iterations(self):
        if self.gradient_accumulation_steps:
            return StepCount(self._raw_iterations // self.gradient_accumulation_steps)
        return StepCount(self._raw_iterations)

    @iterations.setter
    def iterations(self, value):
        self._raw_iterations = int(value)

    # -- building ---------------------------------------------------------------------------
    def build(self, var_list):
        """Bind to `var_list` (torch Parameters or torchkeras Variables); idempotent."""
        pairs = _state.refs_from_var_list(var_list)
        new = [(r, n) for r, n in pairs if id(_state.param_of(r)) not in self._index]
        if new:
            params = [_state.param_of(r) for r, _ in new]
            if self.param_groups:
                known = {id(p) for g in self.param_groups for p in g["params"]}
                self.param_groups[0]["params"].extend(p for p in params if id(p) not in known)
            else:
                self.add_param_group({"params": params})
            _state.register(self, new)
        self.built = True

    @property
    def variables(self):
        """Optimizer state in Keras's order: iteration, learning_rate (when a float), slots."""
        return _state.variables(self)

    def set_weights(self, weights):
        """Load `weights` (one array per entry of `variables`, in that order)."""
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet been "
                             "built. Please call `optimizer.build(trainable_variables)` to create the "
                             "optimizer weights before calling `set_weights()`.")
        current = self.variables
        weights = list(weights)
        if len(weights) != len(current):
            raise ValueError(f"Optimizer has {len(current)} variables, but `set_weights` received "
                             f"{len(weights)} weights.")
        for variable, weight in zip(current, weights):
            weight = torch.as_tensor(np.asarray(getattr(weight, "value", weight)))
            if tuple(weight.shape) != tuple(variable.shape):
                raise ValueError(f"Optimizer variable has shape {tuple(variable.shape)} not compatible "
                                 f"with provided weight shape {tuple(weight.shape)}.")
            variable.assign(weight)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """Keras's functional update: returns (new trainable values, new optimizer variables)
        and leaves the optimizer and its variables unchanged."""
        from torchkeras.optimizers._stateless import stateless_apply
        return stateless_apply(self, getattr(self, "_refs", None), optimizer_variables, grads,
                               trainable_variables)

    def _slot_passes(self):
        """Per-parameter slots as Keras creates them: a list of passes of (name, init)."""
        return []

    def _extra_variables(self):
        """Optimizer-wide scalars after the slots (Nadam's u_product)."""
        return []

    # -- serialization ----------------------------------------------------------------------
    def get_config(self):
        if self._lr_fn is not None:
            learning_rate = serialization.serialize_keras_object(self._lr_fn)
        else:
            learning_rate = float(f32(self.param_groups[0]["lr"] if self.param_groups
                                      else self._lr))
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from torchkeras.optimizers import schedules
            config["learning_rate"] = serialization.deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects,
                module_objects=schedules.ALL_OBJECTS, kind="learning rate schedule")
        return cls(**config)

    def state_dict(self):
        sd = super().state_dict()
        sd["keras"] = _state.extra_state(self)
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        extra = state_dict.pop("keras", None)
        super().load_state_dict(state_dict)
        if extra is not None:
            _state.load_extra_state(self, extra)

    def save_own_variables(self, store):
        for i, value in enumerate(_state.keras_layout_variables(self)):
            store[str(i)] = value

    def load_own_variables(self, store):
        _state.load_keras_layout_variables(self, store)

    def __getstate__(self):
        # torch pickles only defaults/state/param_groups; the Keras attributes must travel too.
        return dict(self.__dict__)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
