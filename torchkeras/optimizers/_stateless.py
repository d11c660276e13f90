"""Keras's `optimizer.stateless_apply(optimizer_variables, grads, trainable_variables)`.

torch optimizers update their parameters in place, so the stateless form loads the given values
into the built variables and the optimizer state, runs one ordinary `apply`, reads the results,
and restores everything: the optimizer and the variables end as they were."""

import numpy as np
import torch

from torchkeras.optimizers import _state


def _as_tensor(x):
    if isinstance(x, torch.Tensor):
        return x.detach()
    return torch.as_tensor(np.asarray(getattr(x, "value", x)))


def _read(ref):
    if _state.is_keras_view(ref):
        return ref.to_keras(_state.param_of(ref).detach()).clone()
    return _state.param_of(ref).detach().clone()


def _write(ref, value):
    p = _state.param_of(ref)
    value = _as_tensor(value).to(device=p.device, dtype=p.dtype)
    if _state.is_keras_view(ref):
        value = ref.to_torch(value)
    with torch.no_grad():
        p.copy_(value.reshape(p.shape))


def stateless_apply(opt, refs, optimizer_variables, grads, trainable_variables):
    if not opt.built or refs is None:
        raise ValueError("To call `stateless_apply`, the optimizer must be built first. Call "
                         "`optimizer.build(trainable_variables)`.")
    current = opt.variables
    optimizer_variables = list(optimizer_variables)
    trainable_variables = list(trainable_variables)
    if len(optimizer_variables) != len(current):
        raise ValueError(f"Argument `optimizer_variables` must be a list of {len(current)} tensors "
                         f"(one per `optimizer.variables`). Received a list of "
                         f"{len(optimizer_variables)} values.")
    if len(trainable_variables) != len(refs):
        raise ValueError(f"Argument `trainable_variables` must be a list of {len(refs)} tensors (the "
                         f"variables the optimizer was built with). Received a list of "
                         f"{len(trainable_variables)} values.")
    saved_state = [v.value.clone() for v in current]
    saved_params = [_read(r) for r in refs]
    try:
        for var, value in zip(current, optimizer_variables):
            var.assign(_as_tensor(value))
        for ref, value in zip(refs, trainable_variables):
            _write(ref, value)
        opt.apply(grads)
        new_trainable = [_read(r) for r in refs]
        new_state = [v.value.clone() for v in opt.variables]
    finally:
        for var, value in zip(opt.variables, saved_state):
            var.assign(value)
        for ref, value in zip(refs, saved_params):
            _write(ref, value)
    return new_trainable, new_state
