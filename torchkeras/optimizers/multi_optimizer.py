"""MultiOptimizer and OptimizerMap: different optimizers for different variables (Keras 3.15).

`OptimizerMap(default_optimizer, {"regex": optimizer})` picks, for a variable, the optimizer
whose key equals or fully matches the variable's path (else the default); MultiOptimizer builds
each inner optimizer on its variables and steps them all."""

import re
from collections.abc import MutableMapping

import numpy as np
import torch

from torchkeras.optimizers import _state
from torchkeras.optimizers._values import state_tensor
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from torchkeras.utils import serialization


def _path_of(variable, names=None):
    path = getattr(variable, "path", None)
    if isinstance(path, str):
        return path
    name = (names or {}).get(id(_state.param_of(variable))) or getattr(variable, "name", None)
    return name if isinstance(name, str) else ""


class OptimizerMap(MutableMapping):
    _keras_module = "keras.optimizers"

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        if matching:
            return self._optimizer_map[matching[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value "
                             f"{self._optimizer_map[key]}. Please make sure to not use "
                             "duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: "
                             f"{optimizer}")
        if isinstance(optimizer, LossScaleOptimizer):
            raise ValueError("optimizer cannot be LossScaleOptimizer.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[_path_of(variable)]

    def get_config(self):
        return {"default_optimizer": serialization.serialize_keras_object(
                    self._default_optimizer),
                "optimizer_map": {k: serialization.serialize_keras_object(v)
                                  for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from torchkeras.optimizers import deserialize

        default = deserialize(config["default_optimizer"], custom_objects=custom_objects)
        mapping = {k: deserialize(v, custom_objects=custom_objects)
                   for k, v in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, name=name)
        self._optimizer_map = optimizer_map
        for opt in list(getattr(optimizer_map, "values", lambda: [])()) + [
                getattr(optimizer_map, "default_optimizer", None)]:
            if opt is not None and opt not in self._inner_optimizers:
                self._inner_optimizers.append(opt)
        self.loss_scale_factor = loss_scale_factor
        self._var_to_optimizer = {}

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self.__dict__["_loss_scale_factor"] = value
        for opt in self.__dict__.get("_inner_optimizers", ()):
            opt.loss_scale_factor = value

    @property
    def optimizers(self):
        return self._inner_optimizers

    def build(self, var_list):
        if self.built:
            return
        pairs = _state.refs_from_var_list(var_list)
        per_opt = {}
        for ref, _ in pairs:
            opt = self._optimizer_map(ref)
            if not isinstance(opt, Optimizer):
                raise ValueError(f"Optimizer for variable {ref} is not an Optimizer instance.")
            if isinstance(opt, LossScaleOptimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(opt, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
            self._var_to_optimizer[id(_state.param_of(ref))] = opt
            per_opt.setdefault(id(opt), []).append(ref)
        for opt in self._inner_optimizers:
            if id(opt) in per_opt:
                opt.build(per_opt[id(opt)])
        self.param_groups = [g for opt in self._inner_optimizers for g in opt.param_groups]
        self._trainable = [ref for ref, _ in pairs]
        self.built = True

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for opt in self._inner_optimizers:
            if opt.param_groups:
                opt.step()
        self._raw_iterations += 1
        return loss

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            trainable_variables = self._trainable
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(self._var_to_optimizer):
            raise ValueError("Gradients must match trainable variables one-to-one. Received "
                             f"{len(grads)} gradients and {len(self._var_to_optimizer)} "
                             "variables.")
        split = {}
        for g, v in zip(grads, trainable_variables):
            opt = self._var_to_optimizer[id(_state.param_of(v))]
            split.setdefault(id(opt), ([], []))
            split[id(opt)][0].append(g)
            split[id(opt)][1].append(v)
        for opt in self._inner_optimizers:
            if id(opt) in split:
                opt.apply(*split[id(opt)])
        self._raw_iterations += 1

    def finalize_variable_values(self, var_list):
        for opt in self._inner_optimizers:
            mine = [v for v in var_list
                    if self._var_to_optimizer.get(id(_state.param_of(v))) is opt]
            if mine:
                opt.finalize_variable_values(mine)

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the "
                             "learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning "
                             "rate on the individual sub-optimizers instead.")

    @property
    def variables(self):
        def set_iterations(t):
            self._raw_iterations = int(t)

        own = [state_tensor(torch.tensor(self._raw_iterations, dtype=torch.int64), set_iterations),
               state_tensor(torch.tensor(0.0))]
        for opt in self._inner_optimizers:
            own.extend(opt.variables)
        return own

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        from torchkeras.optimizers._stateless import stateless_apply
        return stateless_apply(self, getattr(self, "_trainable", None), optimizer_variables, grads,
                               trainable_variables)

    def save_own_variables(self, store):
        values = [np.asarray(self._raw_iterations, np.int64), np.asarray(0.0, np.float32)]
        for opt in self._inner_optimizers:
            values.extend(_state.keras_layout_variables(opt))
        for i, value in enumerate(values):
            store[str(i)] = value

    def load_own_variables(self, store):
        self._raw_iterations = int(np.asarray(store["0"]))
        start = 2
        for opt in self._inner_optimizers:
            n = len(opt.variables)
            _state.load_keras_layout_variables(
                opt, {str(i): store[str(start + i)] for i in range(n)})
            start += n

    def zero_grad(self, set_to_none=True):
        for opt in self._inner_optimizers:
            opt.zero_grad(set_to_none=set_to_none)

    def state_dict(self):
        return {"iterations": self._raw_iterations,
                "inner": [opt.state_dict() for opt in self._inner_optimizers]}

    def load_state_dict(self, state_dict):
        self._raw_iterations = int(state_dict["iterations"])
        for opt, sd in zip(self._inner_optimizers, state_dict["inner"]):
            opt.load_state_dict(sd)

    def get_config(self):
        return {"optimizer_map": serialization.serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        omap = config["optimizer_map"]
        if isinstance(omap, dict) and omap.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(omap["config"], custom_objects)
        else:
            config["optimizer_map"] = serialization.deserialize_keras_object(
                omap, custom_objects=custom_objects)
        return cls(**config)
