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
    opt = _optimizer_of(obj)
    if opt is not None:
        found.append(("optimizer", opt))
    found.sort(key=lambda item: _name_key(item[0]))
    if graph:
        found.insert(0, ("layers", list(obj.layers)))
    return found


def _join(path, name):
    return f"{path}/{name}" if path else name


def walk(root, include_optimizer=True):
    """[(path, object)] for every saveable reachable from `root`, in Keras's order."""
    out, visited = [], set()

    def visit(obj, path):
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
        seen_lists.add(id(items))
        used = {}
        for item in items:
            if isinstance(item, Layer):
                visit(item, _join(path, _unique(snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple)):
                visit_list(list(item), _join(path, _unique("container", used)), seen_lists)

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
