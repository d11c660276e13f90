"""Keras 2 (tf.keras 2.x) model configs -> Keras 3 configs.

Differences handled: no `module` keys; functional `inbound_nodes` as lists of
`[layer_name, node_index, tensor_index, kwargs]`; `input_layers` flat when the model had one input;
`class_name: "Model"` for functional models; Sequential configs that are bare lists; `axis` stored
as a one-element list; arguments Keras 3 dropped (`time_major`, `implementation`); and the
`hard_sigmoid` activation, which Keras 2 defined as clip(0.2x + 0.5, 0, 1) (Keras 3 changed it).
"""

import copy

# Arguments Keras 2 layers stored that Keras 3 removed (their Keras 2 defaults are Keras 3's behaviour).
_DROPPED = {"time_major": False, "implementation": None}
_ACTIVATION_KEYS = ("activation", "recurrent_activation")
_GRAPH_MODELS = ("Sequential", "Functional", "Model")
_TF_OP_LAYERS = ("TFOpLambda", "SlicingOpLambda", "TensorFlowOpLayer")


def is_legacy_config(config):
    """True for a Keras 2 config (no Keras 3 `module` keys, Keras 2 node format)."""
    if not isinstance(config, dict):
        return False
    if "module" in config:
        return False
    inner = config.get("config")
    if isinstance(inner, list):
        return True
    layers = inner.get("layers", []) if isinstance(inner, dict) else []
    for layer in layers:
        if isinstance(layer, dict) and "module" not in layer:
            return True
    return not layers


def _keras_tensor(ref):
    name, node_index, tensor_index = ref[0], ref[1], ref[2]
    return {"class_name": "__keras_tensor__",
            "config": {"shape": None, "dtype": None, "keras_history": [name, node_index, tensor_index]}}


def _upgrade_node(node):
    if isinstance(node, dict):
        return node  # already Keras 3
    refs = [r for r in node if isinstance(r, (list, tuple))]
    if not refs:
        return {"args": [], "kwargs": {}}
    kwargs = dict(refs[0][3]) if len(refs[0]) > 3 and isinstance(refs[0][3], dict) else {}
    tensors = [_keras_tensor(r) for r in refs]
    return {"args": [tensors[0]] if len(tensors) == 1 else [tensors], "kwargs": kwargs}


def _refs(value):
    if isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str):
        return [value[:3]]
    return [list(r[:3]) for r in value or []]


def _upgrade_layer_config(class_name, cfg, keras2=True):
    from torchkeras.activations import keras2_hard_sigmoid

    if class_name in _TF_OP_LAYERS:
        raise ValueError(
            f"This Keras 2 model contains a `{class_name}` layer ({cfg.get('name')!r}, the TensorFlow op "
            f"{cfg.get('function', '?')!r} applied to a symbolic tensor). Keras 3 and torchkeras cannot load "
            "TensorFlow ops from a config: rebuild the model in code and load only its weights.")
    for key, default in _DROPPED.items():
        if key in cfg and (default is None or cfg[key] == default):
            cfg.pop(key)
    for key in _ACTIVATION_KEYS if keras2 else ():
        if cfg.get(key) == "hard_sigmoid":
            cfg[key] = keras2_hard_sigmoid
    axis = cfg.get("axis")
    if isinstance(axis, list) and len(axis) == 1:
        cfg["axis"] = int(axis[0])
    if class_name == "InputLayer" and "batch_input_shape" in cfg:
        cfg["batch_shape"] = cfg.pop("batch_input_shape")
    if class_name == "Lambda" and isinstance(cfg.get("function"), list):
        code, defaults, closure = (cfg["function"] + [None, None])[:3]
        cfg["function"] = {"class_name": "__lambda__",
                           "config": {"code": code, "defaults": defaults, "closure": closure}}
        cfg.pop("function_type", None)
        cfg.pop("output_shape_type", None)
        cfg.pop("module", None)
        cfg.pop("output_shape_module", None)
    for key in ("layer", "forward_layer", "backward_layer", "cell"):
        if isinstance(cfg.get(key), dict) and "class_name" in cfg[key]:
            cfg[key] = _upgrade_entry(cfg[key], keras2)
    if isinstance(cfg.get("cells"), list):
        cfg["cells"] = [_upgrade_entry(c, keras2) for c in cfg["cells"]]
    return cfg


def _upgrade_entry(entry, keras2):
    class_name = entry.get("class_name")
    if class_name in _GRAPH_MODELS:
        upgraded = upgrade_legacy_config(entry, keras2=keras2)
        for key in ("name", "inbound_nodes"):
            if key in entry:
                upgraded[key] = entry[key] if key == "name" else [_upgrade_node(n) for n in entry[key]]
        return upgraded
    out = dict(entry)
    out.setdefault("module", "keras.layers")  # lets the lookup find built-in layers by class name
    out["config"] = _upgrade_layer_config(class_name, dict(entry.get("config") or {}), keras2)
    if "inbound_nodes" in entry:
        out["inbound_nodes"] = [_upgrade_node(n) for n in entry["inbound_nodes"]]
    return out


def is_keras2_version(version):
    """Files written by Keras 1/2 (or of unknown origin) use Keras 2's activation definitions."""
    if isinstance(version, bytes):
        version = version.decode()
    return not (isinstance(version, str) and version[:1].isdigit() and int(version.split(".")[0]) >= 3)


def upgrade_legacy_config(config, keras2=True):
    """A Keras 3 style {"class_name", "config"} dict from a Keras 2 model config (input untouched).

    `keras2=False` (a legacy-format file written by Keras 3) keeps `hard_sigmoid` as Keras 3's.
    """
    config = copy.deepcopy(config)
    class_name = config.get("class_name")
    inner = config.get("config")
    if class_name == "Sequential":
        if isinstance(inner, list):
            inner = {"name": None, "layers": inner}
        inner = dict(inner)
        inner["layers"] = [_upgrade_entry(e, keras2) for e in inner.get("layers", [])]
        return {"module": "keras", "class_name": "Sequential", "config": inner,
                "registered_name": None, **({"build_config": config["build_config"]}
                                            if "build_config" in config else {})}
    if class_name in ("Functional", "Model"):
        inner = dict(inner)
        inner["layers"] = [_upgrade_entry(e, keras2) for e in inner.get("layers", [])]
        inner["input_layers"] = _refs(inner.get("input_layers"))
        inner["output_layers"] = _refs(inner.get("output_layers"))
        return {"module": "keras.src.models.functional", "class_name": "Functional", "config": inner,
                "registered_name": None}
    out = dict(config)
    out["config"] = _upgrade_layer_config(class_name, dict(inner or {}), keras2)
    return out
