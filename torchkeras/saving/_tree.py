"""Where each object's variables live in a Keras 3 weights file.

Keras 3 does not address weights by `layer.name` (auto-numbered, so different in every process) but
by structure: a Sequential or functional model's layers sit under `layers/<snake_case class name>`
numbered per class in list order (`layers/dense`, `layers/dense_1`), a layer held in an attribute sits
under the attribute's name (`cell`, `forward_layer`, `d1`), a list attribute numbers its items like
the layers list, and the compiled optimizer sits under `optimizer`. Each object's own variables are
the datasets `<path>/vars/0..n-1`, trainable ones first, each group tagged with the object's name.
Attributes are visited in sorted order, private (`_x`) after public, and an object reached twice is
stored once, at its first path.
"""

import re

from torch import nn

from torchkeras.layers.layer import Layer
from torchkeras.variables import Variable


def snake_case(name):
    """Keras's rule: `Conv2DTranspose` -> `conv2d_transpose` (a digit does not start a word)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


def _is_graph_model(obj):
    from torchkeras.models.functional import Functional
    from torchkeras.models.sequential import Sequential
    return isinstance(obj, (Functional, Sequential))


def _optimizer_of(obj):
    from torchkeras.optimizers import Optimizer
    opt = obj.__dict__.get("optimizer")
    return opt if isinstance(opt, Optimizer) else None


def _children(obj):
    """(attribute, child) pairs in Keras's visiting order; a child is a saveable or a list."""
    if not isinstance(obj, Layer):
        return []
    graph = _is_graph_model(obj)
    found = []
    for attr, mod in obj._modules.items():
        if mod is None or (graph and attr.isdigit()):
            continue  # a graph model's layers are visited through `layers`
        if isinstance(mod, Layer):
            found.append((attr, mod))
        elif isinstance(mod, (nn.ModuleList, nn.Sequential)):
            found.append((attr, list(mod)))
        elif isinstance(mod, nn.ModuleDict):
            found.append((attr, list(mod.values())))
    # Layers held in plain Python containers (dicts, nested lists or tuples) of public attributes;
    # Keras tracks those too and saves them as `<attr>/container/...`.
    taken = {attr for attr, _ in found}
    containers = []
    for attr, value in vars(obj).items():
        if attr.startswith("_") or attr in taken or not isinstance(value, (list, tuple, dict)):
            continue
        if _holds_layer(value):
            containers.append((attr, _as_list(value)))
    found += containers
    opt = _optimizer_of(obj)
    if opt is not None:
        found.append(("optimizer", opt))
    from torchkeras.models.model import Model
    if isinstance(obj, Model) and not graph:
        # Keras visits a subclassed model's `layers` property among its attributes (sorted by name):
        # a layer whose attribute sorts after "layers" is stored under `layers/<class>`.
        flat = list(obj.layers) + [l for _, c in containers for l in _flat_layers(c) if l not in obj.layers]
        found.append(("layers", flat))
    found.sort(key=lambda item: _name_key(item[0]))
    if graph:
        found.insert(0, ("layers", list(obj.layers)))
    return found


def _holds_layer(value, seen=None):
    if isinstance(value, Layer):
        return True
    if not isinstance(value, (list, tuple, dict)):
        return False
    seen = set() if seen is None else seen
    if id(value) in seen:  # a container that holds itself
        return False
    seen.add(id(value))
    return any(_holds_layer(v, seen) for v in _as_list(value))


def _as_list(value):
    return list(value.values()) if isinstance(value, dict) else list(value)


def _flat_layers(items, seen=None):
    seen = set() if seen is None else seen
    out = []
    for item in items:
        if isinstance(item, Layer):
            out.append(item)
        elif isinstance(item, (list, tuple, dict)) and id(item) not in seen:
            seen.add(id(item))
            out += _flat_layers(_as_list(item), seen)
    return out


def _join(path, name):
    return f"{path}/{name}" if path else name


def walk(root, include_optimizer=True, skip=(), skipped=None):
    """[(path, object)] for every saveable reachable from `root`, in Keras's order.

    `skip`: objects left out with everything under them (Keras's `objects_to_skip`); their paths
    are added to the `skipped` set when one is given."""
    out, visited = [], set()
    skip_ids = {id(o) for o in skip}

    def visit(obj, path):
        if id(obj) in skip_ids:
            if skipped is not None:
                skipped.add(path)
            return
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for attr, child in _children(obj):
            if attr == "optimizer" and not include_optimizer:
                continue
            if isinstance(child, list):
                visit_list(child, _join(path, attr), set())
            else:
                visit(child, _join(path, attr))

    def visit_list(items, path, seen_lists):
        if id(items) in seen_lists:
            return
        seen_lists.add(id(items))  # ids of the model's own containers (alive), never of temporary copies
        used = {}
        for item in _as_list(items):
            if isinstance(item, Layer):
                visit(item, _join(path, _unique(snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple, dict)):
                visit_list(item, _join(path, _unique("container", used)), seen_lists)

    visit(root, "")
    return out


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _created_trainable(v):
    if isinstance(v, Variable):
        return v._trainable
    return v.__dict__.get("_keras_trainable", True)


def own_variables(layer):
    """A layer's own variables in Keras's save order: created-trainable first, then the others."""
    own = list(getattr(layer, "_keras_vars", []))
    return [v for v in own if _created_trainable(v)] + [v for v in own if not _created_trainable(v)]


def object_name(obj):
    name = getattr(obj, "name", None)
    return name if isinstance(name, str) else type(obj).__name__
