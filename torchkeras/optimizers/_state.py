"""Bookkeeping for the optimizers: which parameters they own, their Keras names and views, and
the per-parameter slots (kept in torch layout in `optimizer.state[p]`)."""

import warnings

import numpy as np
import torch

from torchkeras.optimizers._values import f32, state_tensor


def param_of(ref):
    """The torch tensor behind a torch Parameter or a torchkeras Variable."""
    p = getattr(ref, "param", None)
    if isinstance(p, torch.Tensor):
        return p
    if isinstance(ref, torch.Tensor):
        return ref
    raise TypeError(
        "An optimizer can only update torch tensors (e.g. `model.parameters()`) or torchkeras "
        f"variables (e.g. `model.trainable_weights`). Received: {ref!r} of type {type(ref)}.")


def is_keras_view(ref):
    """A Variable whose Keras layout may differ from its parameter's (gradients need mapping)."""
    return hasattr(ref, "to_torch") and not (isinstance(ref, torch.Tensor) and ref.param is ref)


def _name_of(ref):
    name = getattr(ref, "name", None)
    return name if isinstance(name, str) else None


def refs_from_var_list(var_list):
    """[(ref, name)] from tensors, Variables or torch's (name, tensor) pairs, deduplicated."""
    if isinstance(var_list, torch.Tensor) or hasattr(var_list, "param"):
        var_list = [var_list]
    out, seen = [], set()
    for item in var_list:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            name, ref = item
        else:
            ref, name = item, _name_of(item)
        p = param_of(ref)
        if id(p) not in seen:
            seen.add(id(p))
            out.append((ref, name))
    return out


def normalize_param_groups(opt, params):
    """torch's `params` argument -> (param groups of plain tensors, [(ref, name)])."""
    items = list(params)
    if not items:
        raise ValueError(f"{type(opt).__name__} got an empty parameter list. Pass the "
                         "parameters to optimize, e.g. `model.parameters()`.")
    dicts = [isinstance(x, dict) for x in items]
    if any(dicts) and not all(dicts):
        raise TypeError("Param groups must all be dicts or all be tensors / variables.")
    groups = [dict(g) for g in items] if all(dicts) else [{"params": items}]
    pairs = []
    for g in groups:
        if "learning_rate" in g:
            g["lr"] = float(f32(g.pop("learning_rate")))
        group_pairs = refs_from_var_list(g["params"])
        g["params"] = [param_of(r) for r, _ in group_pairs]
        pairs.extend(group_pairs)
    return groups, pairs


def init_tracking(opt):
    opt._index = {}
    opt._params = []
    opt._refs = []
    opt._names = {}
    opt._views = {}
    opt._scalars = {}
    opt._wd_exclude_ids = set()
    opt._wd_exclude_pattern = None
    opt._wd_cache = {}


def all_passes(opt):
    passes = []
    if opt.use_ema:
        passes.append((("average", 0.0),))
    if opt.gradient_accumulation_steps:
        passes.append((("gradient_accumulator", 0.0),))
    return passes + list(opt._slot_passes())


def init_param_state(opt, p):
    """A slot's init is a number (a tensor like `p`) or a callable `init(p)` giving the slot's
    tensor, or None where Keras creates no such slot for this variable (Adafactor's factored
    moments of a vector, Muon's velocity of a matrix)."""
    st = opt.state[p]
    for one_pass in all_passes(opt):
        for name, init in one_pass:
            if name in st:
                continue
            if callable(init):
                value = init(p)
                if value is not None:
                    st[name] = value
            else:
                st[name] = torch.full_like(p, init, memory_format=torch.preserve_format,
                                           requires_grad=False)


def slots_of(opt, p, one_pass):
    """The names of `one_pass` that this parameter has, in Keras's order."""
    st = opt.state[p]
    return [name for name, _ in one_pass if name in st]


def register(opt, pairs):
    for ref, name in pairs:
        p = param_of(ref)
        if id(p) in opt._index:
            continue
        opt._index[id(p)] = len(opt._params)
        opt._params.append(p)
        opt._refs.append(ref)
        opt._names[id(p)] = name
        if ref is not p:
            opt._views[id(p)] = ref
        with torch.no_grad():
            init_param_state(opt, p)


def variables(opt):
    def set_iterations(t):
        opt._raw_iterations = int(t)

    def set_lr(t):
        opt.learning_rate = float(t)

    def set_scalar(key):
        def sync(t):
            opt._scalars[key] = type(opt._scalars[key])(float(t))
        return sync

    out = [state_tensor(torch.tensor(opt._raw_iterations, dtype=torch.int64), set_iterations)]
    if opt._lr_fn is None:
        out.append(state_tensor(torch.tensor(float(opt.learning_rate), dtype=torch.float32), set_lr))
    for one_pass in all_passes(opt):
        for p in opt._params:
            for name in slots_of(opt, p, one_pass):
                out.append(state_tensor(opt.state[p][name]))
    for key, value in opt._scalars.items():
        out.append(state_tensor(torch.tensor(value), set_scalar(key)))
    return out


def extra_state(opt):
    return {"iterations": int(opt._raw_iterations),
            "scalars": {k: float(v) for k, v in opt._scalars.items()}}


def load_extra_state(opt, extra):
    opt._raw_iterations = int(extra.get("iterations", 0))
    for k, v in extra.get("scalars", {}).items():
        opt._scalars[k] = type(opt._scalars.get(k, f32(0)))(v)


def _to_keras(opt, p, tensor, name=None):
    if name in getattr(opt, "_keras_layout_slots", ()):
        return tensor
    view = opt._views.get(id(p))
    fn = getattr(view, "to_keras", None)
    return fn(tensor) if fn is not None else tensor


def keras_layout_variables(opt):
    """`variables` as numpy arrays with every slot in its variable's Keras layout (for saving)."""
    out = [np.asarray(opt._raw_iterations, dtype=np.int64)]
    if opt._lr_fn is None:
        out.append(np.asarray(float(opt.learning_rate), dtype=np.float32))
    for one_pass in all_passes(opt):
        for p in opt._params:
            for name in slots_of(opt, p, one_pass):
                out.append(_to_keras(opt, p, opt.state[p][name], name).detach().cpu().numpy())
    for value in opt._scalars.values():
        out.append(np.asarray(value))
    return out


def load_keras_layout_variables(opt, store):
    expected = len(variables(opt))
    if len(store.keys()) != expected:
        msg = (f"Skipping variable loading for optimizer '{opt.name}', because it has "
               f"{expected} variables whereas the saved optimizer has {len(store.keys())} "
               "variables. ")
        if not opt._params:
            msg += "This is likely because the optimizer has not been called/built yet."
        warnings.warn(msg, stacklevel=3)
        return
    values = iter(np.asarray(store[str(i)]) for i in range(expected))
    opt._raw_iterations = int(next(values))
    if opt._lr_fn is None:
        opt.learning_rate = float(next(values))
    with torch.no_grad():
        for one_pass in all_passes(opt):
            for p in opt._params:
                for name in slots_of(opt, p, one_pass):
                    slot = opt.state[p][name]
                    value = torch.as_tensor(next(values))
                    view = opt._views.get(id(p))
                    if name in getattr(opt, "_keras_layout_slots", ()):
                        view = None
                    if view is not None and hasattr(view, "to_torch"):
                        value = view.to_torch(value)
                    slot.copy_(value)
    for k in list(opt._scalars):
        opt._scalars[k] = type(opt._scalars[k])(next(values))
