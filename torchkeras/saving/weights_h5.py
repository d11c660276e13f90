"""Keras 3 weights files: `*.weights.h5`, and `model.weights.h5` inside a `.keras` archive.

Layout (see `_tree.py`): `<structural path>/vars/<i>` datasets, one group per layer, optimizer and
model, each tagged with the object's `name`. Values are in Keras layout: every layer's Keras view
(`Variable.numpy()` / `assign()`) does the torch<->Keras conversion.

Loading checks the whole file against the model before it changes anything: a missing, extra or
mis-shaped variable is reported with the layer, the variable and the path in the file, and the
model keeps its weights.
"""

import warnings

import h5py
import numpy as np
import torch

from torchkeras.saving import integrity
from torchkeras.saving._tree import object_name, own_variables, walk


def _join(path, name):
    return f"{path}/{name}" if path else name


def _is_optimizer(obj):
    from torchkeras.optimizers import Optimizer
    return isinstance(obj, Optimizer)


def variable_to_numpy(v):
    value = v.value.detach() if hasattr(v, "value") else v.detach()
    if value.dtype == torch.bfloat16:
        value = value.float()  # numpy has no bfloat16; the file keeps a float32 copy
    return value.cpu().numpy()


def _values_of(obj):
    if _is_optimizer(obj):
        store = {}
        obj.save_own_variables(store)
        return [np.asarray(store[str(i)]) for i in range(len(store))]
    return [variable_to_numpy(v) for v in own_variables(obj)]


def _own_store(obj):
    """A layer that keeps its own state (Keras's save/load_own_variables: lookup tables' idf_weights)."""
    from torchkeras.layers.layer import Layer

    save = getattr(obj, "save_own_variables", None)
    if _is_optimizer(obj) or not callable(save):
        return False
    # The base Layer's methods write exactly what the generic path writes; only overrides differ.
    load = getattr(obj, "load_own_variables", None)
    return not (getattr(save, "__func__", None) is Layer.save_own_variables
                and getattr(load, "__func__", None) is Layer.load_own_variables)


def write_weights(model, h5file, include_optimizer=True, objects_to_skip=()):
    """Write every saveable's variables into an open, empty h5py File."""
    for path, obj in walk(model, include_optimizer=include_optimizer, skip=objects_to_skip):
        group = h5file.create_group(_join(path, "vars"))
        group.attrs["name"] = object_name(obj)
        if _own_store(obj):
            store = {}
            obj.save_own_variables(store)
            for key, value in store.items():
                value = np.asarray(value)
                group.create_dataset(str(key), data=value, **integrity.dataset_kwargs(value))
            continue
        for i, value in enumerate(_values_of(obj)):
            group.create_dataset(str(i), data=value, **integrity.dataset_kwargs(value))


# ---------------------------------------------------------------------------------- reading
def _safe_item(group, name):
    link = group.get(name, getlink=True)
    if isinstance(link, (h5py.ExternalLink, h5py.SoftLink)):
        raise ValueError(f"Refusing to read `{group.name}/{name}`: the weights file links to another "
                         "location or file, which a Keras weights file never does.")
    return group[name]


def _vars_group(h5file, path):
    node = h5file
    for part in _join(path, "vars").split("/"):
        if not isinstance(node, h5py.Group) or part not in node:
            return None
        node = _safe_item(node, part)
    return node if isinstance(node, h5py.Group) else None


def _read_group(group):
    out = {}
    for key in group.keys():
        ds = _safe_item(group, key)
        if not isinstance(ds, h5py.Dataset):
            continue
        if ds.external or ds.is_virtual:
            raise ValueError(f"Refusing to read `{ds.name}`: it is stored outside the weights file.")
        try:
            out[key] = np.asarray(ds[()])
        except OSError as err:
            raise ValueError(f"Cannot read `{ds.name}` from the weights file ({err}): the file is "
                             "truncated or corrupted.") from err
    return out


def _stored_paths(h5file):
    """Paths of every object that has at least one variable stored."""
    found = []

    def visit(name, obj):
        if isinstance(obj, h5py.Group) and name.split("/")[-1] == "vars" and any(
                isinstance(obj.get(k, getlink=True), h5py.HardLink) and isinstance(obj[k], h5py.Dataset)
                for k in obj.keys()):
            found.append(name[:-len("vars")].rstrip("/"))

    h5file.visititems(visit)
    return found


def _describe(obj, path):
    where = f"`{path}`" if path else "the root"
    return f"{type(obj).__name__} '{object_name(obj)}' (stored at {where} in the file)"


def _check_layer(obj, path, stored):
    """Problems (strings) and the [(variable, value)] plan for one layer."""
    own = own_variables(obj)
    names = [v.name for v in own]
    if len(stored) != len(own):
        hint = " The file holds no variables for it." if not stored else ""
        return [f"{_describe(obj, path)} expects {len(own)} variables {names}, but the file holds "
                f"{len(stored)}.{hint}"], []
    problems, plan = [], []
    for i, v in enumerate(own):
        key = str(i)
        if key not in stored:
            problems.append(f"{_describe(obj, path)}: variable '{v.name}' is missing from the file "
                            f"(expected dataset `{_join(path, 'vars')}/{key}`).")
            continue
        value = stored[key]
        if tuple(value.shape) != tuple(v.shape):
            problems.append(f"{_describe(obj, path)}: variable '{v.name}' has shape {tuple(v.shape)} in "
                            f"the model, but the file's `{_join(path, 'vars')}/{key}` has shape "
                            f"{tuple(value.shape)}.")
            continue
        kind_problem = _dtype_kind_problem(v, value)
        if kind_problem:
            problems.append(f"{_describe(obj, path)}: variable '{v.name}' {kind_problem} (dataset "
                            f"`{_join(path, 'vars')}/{key}`).")
            continue
        plan.append((v, value))
    return problems, plan


def _dtype_kind_problem(v, value):
    """Float weights must come from float data and integer ones from integers: a cast across kinds means the
    file is not what it claims (a float kernel stored as int8 would load as silently wrong numbers)."""
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return None
    kind = np.dtype(dtype).kind
    target = str(getattr(v, "dtype", "float32")).replace("torch.", "")
    want_float = target.startswith(("float", "bfloat", "complex"))
    if kind in "OSUV":
        return f"is stored as {np.dtype(dtype)} data, not numbers"
    if want_float and kind not in "fc":
        return f"is {target} in the model, but the file stores it as {np.dtype(dtype)}"
    if not want_float and kind in "fc":
        return f"is {target} in the model, but the file stores it as {np.dtype(dtype)}"
    return None


def _check_optimizer(opt, path, stored):
    current = _values_of(opt)
    if len(current) != len(stored):
        return [], None  # the optimizer itself warns and keeps its state, as Keras does
    for i, value in enumerate(current):
        got = stored.get(str(i))
        if got is None or tuple(got.shape) != tuple(value.shape):
            shape = None if got is None else tuple(got.shape)
            return [f"Optimizer '{opt.name}': variable {i} has shape {tuple(value.shape)}, but the file's "
                    f"`{_join(path, 'vars')}/{i}` has shape {shape}."], None
    return [], stored


def read_weights(model, h5file, skip_mismatch=False, source="the weights file", objects_to_skip=()):
    """Load a Keras 3 weights file into `model`; all checks run before any variable changes."""
    problems, plan, opt_loads, walked = [], [], [], set()
    own_loads, skipped = [], set()
    for path, obj in walk(model, skip=objects_to_skip, skipped=skipped):
        walked.add(path)
        group = _vars_group(h5file, path)
        stored = _read_group(group) if group is not None else {}
        if _own_store(obj):
            own_loads.append((obj, stored))
            continue
        if _is_optimizer(obj):
            if stored:
                errs, store = _check_optimizer(obj, path, stored)
                problems.extend(errs)
                opt_loads.append((obj, store if store is not None else stored))
            continue
        errs, items = _check_layer(obj, path, stored)
        if errs and skip_mismatch:
            warnings.warn(f"Skipping loading weights for {_describe(obj, path)}: " + " ".join(errs),
                          stacklevel=3)
            continue
        problems.extend(errs)
        plan.extend(items)
    extra = [p for p in _stored_paths(h5file) if p not in walked and p != "optimizer"
             and not p.startswith("optimizer/") and not any(p == s or p.startswith(s + "/") for s in skipped)]
    if extra:
        msg = ("the file has weights at " + ", ".join(f"`{p}`" for p in extra[:8])
               + (" ..." if len(extra) > 8 else "") + " that match no layer of this model")
        if skip_mismatch:
            warnings.warn(f"Skipping weights in {source}: {msg}.", stacklevel=3)
        else:
            problems.append(msg[0].upper() + msg[1:] + ".")
    if problems:
        shown = "\n  - ".join(problems[:12]) + ("\n  - ..." if len(problems) > 12 else "")
        raise ValueError(
            f"Cannot load {source} into model '{model.name}': it does not match the model's "
            f"architecture. Nothing was loaded.\n  - {shown}\nBuild the same architecture the file was "
            "saved from, or pass `skip_mismatch=True` to skip the layers that do not match.")
    for v, value in plan:
        v.assign(value)
    for obj, store in own_loads:
        obj.load_own_variables(store)
    for opt, store in opt_loads:
        opt.load_own_variables(store)
