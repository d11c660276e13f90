"""Legacy HDF5 files: Keras 2's `model.save("m.h5")` and `save_weights("w.h5")` (also written by Keras 3).

A full-model file has the attributes `model_config` (JSON) and `training_config`, a `model_weights`
group and an optional `optimizer_weights` group. Weights are grouped per top-level layer: the
group's `layer_names` attribute lists the layers, each layer group's `weight_names` attribute lists
its datasets, in the layer's `trainable_weights + non_trainable_weights` order. Layers are matched
by position (only layers that have weights count) or, with `by_name=True`, by `layer.name`.
"""

import json
import warnings

import h5py
import numpy as np

from torchkeras.saving import integrity, serialization_lib
from torchkeras.saving.legacy_config import is_keras2_version, upgrade_legacy_config
from torchkeras.saving.weights_h5 import variable_to_numpy

_ATTR_LIMIT = 64000  # HDF5 object headers hold at most 64 KiB of attributes


def _decode(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def read_name_list(group, name):
    """A list-of-strings attribute, including Keras's chunked form (`name0`, `name1`, ...)."""
    if name in group.attrs:
        return [_decode(n) for n in np.asarray(group.attrs[name]).reshape(-1)]
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out.extend(_decode(n) for n in np.asarray(group.attrs[f"{name}{i}"]).reshape(-1))
        i += 1
    return out


def write_name_list(group, name, names):
    data = np.array([n.encode("utf-8") for n in names], dtype=bytes if names else "S1")
    chunks = max(1, int(np.ceil(data.nbytes / _ATTR_LIMIT)))
    if chunks == 1:
        group.attrs[name] = data
        return
    for i, part in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{name}{i}"] = part


def legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def is_legacy_file(h5file):
    return "layer_names" in h5file.attrs or "layer_names0" in h5file.attrs or "model_weights" in h5file


# ---------------------------------------------------------------------------------- writing
def _unique_names(variables):
    names, seen = [], set()
    for v in variables:
        name = str(getattr(v, "path", None) or getattr(v, "name", "variable"))
        base, i = name, 1
        while name in seen:
            name, i = f"{base}_{i}", i + 1
        seen.add(name)
        names.append(name)
    return names


def write_weights_group(group, model):
    from torchkeras.saving.keras_zip import KERAS_FORMAT_VERSION

    layers = list(model.layers)
    write_name_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = "torch"
    group.attrs["keras_version"] = KERAS_FORMAT_VERSION
    for layer in layers:
        sub = group.create_group(layer.name)
        variables = legacy_weights(layer)
        names = _unique_names(variables)
        write_name_list(sub, "weight_names", names)
        for name, v in zip(names, variables):
            value = variable_to_numpy(v)
            sub.create_dataset(name, data=value, **integrity.dataset_kwargs(value))


def _training_config(model):
    compile_cfg = serialization_lib.serialize_compile_config(model)
    if not compile_cfg:
        return None
    out = {k: compile_cfg.get(k) for k in ("loss", "metrics", "weighted_metrics", "loss_weights")}
    opt = compile_cfg.get("optimizer")
    if isinstance(opt, dict):
        out["optimizer_config"] = {"class_name": opt["class_name"], "config": opt["config"]}
    return out


def write_model(model, h5file, include_optimizer=True):
    from torchkeras.saving.keras_zip import KERAS_FORMAT_VERSION, model_config
    from torchkeras.saving.weights_h5 import _values_of

    cfg = model_config(model)
    h5file.attrs["backend"] = "torch"
    h5file.attrs["keras_version"] = KERAS_FORMAT_VERSION
    h5file.attrs["model_config"] = serialization_lib.to_json(
        {"class_name": cfg["class_name"], "config": cfg["config"]})
    training = _training_config(model)
    if training is not None:
        h5file.attrs["training_config"] = serialization_lib.to_json(training)
    write_weights_group(h5file.create_group("model_weights"), model)
    from torchkeras.optimizers import Optimizer
    opt = getattr(model, "optimizer", None)
    if include_optimizer and isinstance(opt, Optimizer):
        group = h5file.create_group("optimizer_weights")
        values = _values_of(opt)
        names = [f"{opt.name}/iteration"] + [f"{opt.name}/variable_{i}" for i in range(1, len(values))]
        write_name_list(group, "weight_names", names)
        for name, value in zip(names, values):
            group.create_dataset(name, data=value, **integrity.dataset_kwargs(np.asarray(value)))


# ---------------------------------------------------------------------------------- reading
def _saved_layers(group):
    out = []
    for name in read_name_list(group, "layer_names"):
        if name not in group:
            raise ValueError(f"The legacy weights file lists layer {name!r} but has no group for it: the "
                             "file is truncated or corrupted.")
        g = group[name]
        names = read_name_list(g, "weight_names")
        if names:
            try:
                out.append((name, [np.asarray(g[w][()]) for w in names]))
            except (KeyError, OSError) as err:
                raise ValueError(f"Cannot read the weights of layer {name!r} from the legacy file ({err}): "
                                 "the file is truncated or corrupted.") from err
    return out


def _pair(layer, saved_name, values, problems, skip_mismatch, plan):
    variables = legacy_weights(layer)
    if len(variables) != len(values):
        msg = (f"Layer '{layer.name}' ({type(layer).__name__}) expects {len(variables)} weights "
               f"{[v.name for v in variables]}, but the saved layer {saved_name!r} has {len(values)}.")
    else:
        bad = [(v, val) for v, val in zip(variables, values) if tuple(v.shape) != tuple(val.shape)]
        if not bad:
            plan.extend(zip(variables, values))
            return
        v, val = bad[0]
        msg = (f"Layer '{layer.name}' ({type(layer).__name__}) weight '{v.name}' has shape {tuple(v.shape)}, "
               f"but the saved layer {saved_name!r} has shape {tuple(val.shape)} for it.")
    if skip_mismatch:
        warnings.warn(f"Skipping loading weights for layer '{layer.name}': {msg}", stacklevel=4)
    else:
        problems.append(msg)


def read_weights_group(group, model, by_name=False, skip_mismatch=False, source="the file"):
    saved = _saved_layers(group)
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    problems, plan = [], []
    if by_name:
        index = dict(saved)
        for layer in layers:
            if layer.name in index:
                _pair(layer, layer.name, index[layer.name], problems, skip_mismatch, plan)
    elif len(saved) != len(layers):
        problems.append(f"Layer count mismatch: the model has {len(layers)} layers with weights "
                        f"{[layer.name for layer in layers]}, but the file has {len(saved)} "
                        f"{[n for n, _ in saved]}. Load by name (`by_name=True`) if the models only share some layers.")
    else:
        for layer, (name, values) in zip(layers, saved):
            _pair(layer, name, values, problems, skip_mismatch, plan)
    if problems:
        raise ValueError(f"Cannot load {source} into model '{model.name}'; nothing was loaded.\n  - "
                         + "\n  - ".join(problems))
    for v, value in plan:
        v.assign(value)


def _restore_compile(model, f, custom_objects):
    from torchkeras.saving.legacy_training import compile_args_from_training_config
    raw = f.attrs.get("training_config")
    if raw is None:
        return
    try:
        args = compile_args_from_training_config(json.loads(_decode(raw)), custom_objects)
        model.compile(**args)
    except (ValueError, TypeError, KeyError) as err:
        warnings.warn(f"The model's training configuration could not be restored ({err}); it is returned "
                      "uncompiled: call `compile()` before training it.", stacklevel=4)
        return
    from torchkeras.optimizers import Optimizer
    opt = model.optimizer
    if "optimizer_weights" in f and isinstance(opt, Optimizer):
        opt.build(model.trainable_weights)
        from torchkeras.saving.weights_h5 import _values_of
        group = f["optimizer_weights"]
        values = [np.asarray(group[n][()]) for n in read_name_list(group, "weight_names")]
        current = _values_of(opt)
        if len(values) == len(current) and all(a.shape == b.shape for a, b in zip(values, current)):
            opt.load_own_variables({str(i): v for i, v in enumerate(values)})
        else:
            warnings.warn(f"The optimizer state in the file ({len(values)} variables) does not match optimizer "
                          f"'{opt.name}' ({len(current)} variables; Keras 2 ordered them differently); "
                          "training resumes with a fresh optimizer state.", stacklevel=4)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    with h5py.File(filepath, "r") as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(f"No model config found in {filepath!r}: it holds only weights. Build the model in "
                             "code and call `model.load_weights(filepath)`.")
        config = json.loads(_decode(raw))
        config = upgrade_legacy_config(config, keras2=is_keras2_version(f.attrs.get("keras_version")))
        model = serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects,
                                                           safe_mode=safe_mode)
        read_weights_group(f["model_weights"] if "model_weights" in f else f, model, source=repr(filepath))
        if compile:
            _restore_compile(model, f, custom_objects)
    return model
