"""Keras's `Model.get_state_tree()` / `set_state_tree()`: every variable of the model, its optimizer
and its metrics as nested dicts keyed by the parts of the variable's path ("output_a/kernel")."""

import numpy as np
import torch


def _value(v):
    value = getattr(v, "value", v)
    if isinstance(value, torch.Tensor) and type(value) is not torch.Tensor:
        value = value.as_subclass(torch.Tensor)
    return value.detach() if isinstance(value, torch.Tensor) else value


def _optimizer_entries(model):
    """(path, variable) for the optimizer state, named as Keras names it: `adam/iteration`,
    `adam/learning_rate`, `adam/<variable path with _>_<slot>`."""
    opt = getattr(model, "optimizer", None)
    if opt is None or not hasattr(opt, "variables"):
        return []
    variables = list(opt.variables)
    if all(getattr(v, "path", None) for v in variables):
        return [(v.path, v) for v in variables]
    from torchkeras.optimizers import _state
    prefix = getattr(opt, "name", "optimizer")
    paths = {id(getattr(v, "param", v)): v.path for v in model.variables}
    names = [f"{prefix}/iteration"]
    if getattr(opt, "_lr_fn", None) is None:
        names.append(f"{prefix}/learning_rate")
    for one_pass in _state.all_passes(opt):
        for p in opt._params:
            base = paths.get(id(p), f"param_{len(names)}").replace("/", "_")
            names += [f"{prefix}/{base}_{slot}" for slot in _state.slots_of(opt, p, one_pass)]
    names += [f"{prefix}/{key}" for key in getattr(opt, "_scalars", {})]
    if len(names) != len(variables):
        names = [f"{prefix}/variable_{i}" for i in range(len(variables))]
    return list(zip(names, variables))


class _TrackerField:
    """`loss/total` and `loss/count` of the trainer's loss tracker, read and written like a variable."""

    def __init__(self, tracker, field):
        self.tracker, self.field = tracker, field

    @property
    def value(self):
        v = getattr(self.tracker, self.field)
        return torch.as_tensor(0.0 if v is None else v, dtype=torch.float32).detach()

    def assign(self, value):
        setattr(self.tracker, self.field, torch.as_tensor(np.asarray(value), dtype=torch.float32)
                if self.field == "total" else float(np.asarray(value)))


def _metric_entries(model):
    out = []
    for metric in getattr(model, "metrics", []):
        variables = getattr(metric, "variables", None)
        if variables and all(getattr(v, "path", None) for v in variables):
            out += [(v.path, v) for v in variables]
        elif hasattr(metric, "total") and hasattr(metric, "count"):
            out += [(f"{metric.name}/{f}", _TrackerField(metric, f)) for f in ("total", "count")]
    return out


def _groups(model):
    return {
        "trainable_variables": [(v.path, v) for v in model.trainable_variables],
        "non_trainable_variables": [(v.path, v) for v in model.non_trainable_variables],
        "optimizer_variables": _optimizer_entries(model),
        "metrics_variables": _metric_entries(model),
    }


def _nest(entries, value_format):
    flat = {}
    for path, v in entries:
        if path in flat:
            raise ValueError(f"The following variable path is found twice in the model: '{path}'. "
                             "`get_state_tree()` can only be called when all variable paths are unique. Make sure "
                             "to give unique names to your layers (and other objects).")
        value = _value(v)
        if value_format == "numpy_array":
            value = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        flat[path] = value
    nested = {}
    for path, value in flat.items():
        parts = path.split("/")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


def get_state_tree(model, value_format="backend_tensor"):
    if value_format not in ("backend_tensor", "numpy_array"):
        raise ValueError("Invalid `value_format` argument. Expected one of {'numpy_array', 'backend_tensor'}. "
                         f"Received: value_format={value_format}")
    return {k: _nest(entries, value_format) for k, entries in _groups(model).items()}


def _flatten(nested, prefix=""):
    out = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = value
    return out


def set_state_tree(model, state_tree):
    groups = _groups(model)
    for kind, nested in state_tree.items():
        if kind not in groups:
            raise ValueError(f"Unknown variable name: {kind}. Expected one of {sorted(groups)}.")
        by_path = dict(groups[kind])
        for path, value in _flatten(nested).items():
            if path in by_path:
                by_path[path].assign(np.asarray(value.detach().cpu() if isinstance(value, torch.Tensor) else value))
