"""Build the keras.src -> public-path map by importing REAL Keras (torch backend). Run as a script:

    python -m conformance.keras_suite.apimap_build OUT.json

It runs in its own process so that the pytest processes of the suite never import real Keras or
TensorFlow: there the `keras` module name belongs to the shim.

Rules, in order, for an attribute `keras.src.M.name` (each entry records which one decided it):
- "id": the very object is exported; its public paths (`keras.layers.Dense`) are recorded.
- "backend-op": a torch-backend function (`keras.src.backend.convert_to_numpy`) whose public op of
  the same name exists (`keras.ops.convert_to_numpy`): Keras's ops are thin wrappers over them.
- "backend-class": a torch-backend class whose base class is exported (the backend `Variable`
  subclasses the exported `keras.Variable`).
- plain data (bool/int/float/str/None, and tuples/lists/sets/str-keyed dicts of them) keeps Keras's
  value under the torch backend: data such as `backend.SUPPORTS_SPARSE_TENSORS`, which Keras's own
  skip markers read, or `dtypes.ALLOWED_DTYPES`, over which its ops tests are parametrized.
- "op-class": an Operation class of keras.src.ops (`Softmax`) that an exported op constructs
  (`keras.ops.softmax`, whose source calls `Softmax(`): its instances call that op, with the
  class's `__init__` arguments passed by name (the map keeps their names).
- "returned-by": the class of what a public constructor returns (`keras.Model(inputs, outputs)`
  returns a `Functional`, found by building one here) maps to that constructor.
- anything else is internal: a test that uses it is excluded, with the name as the reason.
"""

import importlib
import inspect
import json
import os
import pkgutil
import sys

SKIPPED_SRC = ("keras.src.backend.jax", "keras.src.backend.tensorflow", "keras.src.backend.numpy",
               "keras.src.backend.openvino", "keras.src.testing")
PRIMITIVES = (bool, int, float, str, type(None))
RETURNED = set()


def _kind(obj):
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "object"


def _public_modules(keras):
    names = ["keras"]
    for info in pkgutil.walk_packages(keras.__path__, "keras."):
        parts = info.name.split(".")
        if parts[1] == "src" or any(p.startswith("_") for p in parts[1:]):
            continue
        names.append(info.name)
    return sorted(set(names))


def _walk_public(keras):
    public, by_id = {}, {}
    keep = []  # holds every indexed object so that no id is reused while the map is built
    for modname in _public_modules(keras):
        mod = importlib.import_module(modname)
        entries = {}
        for name in sorted(vars(mod)):
            if name.startswith("_") and name != "__version__":
                continue
            obj = getattr(mod, name)
            kind = _kind(obj)
            if kind == "module" and obj.__name__.startswith("keras.") and not obj.__name__.startswith("keras.src"):
                entries[name] = "module"
                continue
            entries[name] = kind
            if not isinstance(obj, PRIMITIVES):
                keep.append(obj)
                by_id.setdefault(id(obj), []).append(f"{modname}.{name}")
        public[modname] = entries
    for paths in by_id.values():
        paths.sort(key=lambda p: (p.count("."), p))
    return public, by_id, keep


def _returned_by(keras, by_id):
    """Internal classes that public constructors return, probed by calling those constructors."""
    inputs = keras.Input((2,))
    probes = {"keras.Model": lambda: keras.Model(inputs, keras.layers.Dense(1)(inputs))}
    for path, make in probes.items():
        cls = type(make())
        if id(cls) not in by_id:
            by_id[id(cls)] = [path]
            RETURNED.add(id(cls))
            yield cls


def _src_modules(keras_src):
    names = ["keras.src"]
    for info in pkgutil.walk_packages(keras_src.__path__, "keras.src.", onerror=lambda n: None):
        if info.name.endswith("_test") or info.name.startswith(SKIPPED_SRC):
            continue
        names.append(info.name)
    return names


def _ops_by_name(public):
    """Public op paths by bare name, for the backend-op rule (keras.ops first, then its submodules)."""
    found = {}
    for modname in ("keras.ops", "keras.ops.numpy", "keras.ops.nn", "keras.ops.linalg", "keras.ops.image",
                    "keras.ops.core", "keras.random", "keras.backend", "keras.config"):
        for name, kind in public.get(modname, {}).items():
            if kind == "function":
                found.setdefault(name, []).append(f"{modname}.{name}")
    return found


def _plain(obj, depth=0):
    """JSON form of plain data, containers tagged with their type; None when `obj` is not plain."""
    if isinstance(obj, PRIMITIVES) and not (isinstance(obj, float) and obj != obj):
        return obj
    if depth > 2:
        return None
    if isinstance(obj, (tuple, list, set, frozenset)) and type(obj) in (tuple, list, set, frozenset):
        items = [_plain(x, depth + 1) for x in (sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj)]
        if any(i is None and x is not None for i, x in zip(items, obj)):
            return None
        return {"__type__": type(obj).__name__, "items": items}
    if type(obj) is dict and all(isinstance(k, str) for k in obj):
        items = {k: _plain(v, depth + 1) for k, v in obj.items()}
        if any(items[k] is None and obj[k] is not None for k in obj):
            return None
        return {"__type__": "dict", "items": items}
    return None


def _op_class(obj, by_id):
    from keras.src.ops.operation import Operation

    if not (inspect.isclass(obj) and issubclass(obj, Operation) and obj.__module__.startswith("keras.src.ops.")):
        return None
    module = sys.modules[obj.__module__]
    wanted = obj.__name__.lower()
    for fname, fn in vars(module).items():
        if fname.replace("_", "").lower() != wanted or id(fn) not in by_id or not inspect.isfunction(fn):
            continue
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            continue
        if f"{obj.__name__}(" not in source:
            continue
        params = [p for p in inspect.signature(obj.__init__).parameters.values()
                  if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        return {"o": by_id[id(fn)], "init": [p.name for p in params], "r": "op-class"}
    return None


def _classify(obj, name, modname, by_id, ops_by_name):
    if isinstance(obj, PRIMITIVES):
        return {"v": obj}
    plain = _plain(obj)
    if plain is not None:
        return {"v": plain}
    if id(obj) in by_id:
        return {"p": by_id[id(obj)], "r": "returned-by" if id(obj) in RETURNED else "id"}
    if inspect.ismodule(obj):
        if obj.__name__.startswith("keras.src"):
            return {"m": obj.__name__}
        return {"i": "module"}
    origin = getattr(obj, "__module__", "") or ""
    op = _op_class(obj, by_id)
    if op:
        return op
    if origin.startswith("keras.src.backend."):
        if inspect.isclass(obj):
            for base in obj.__mro__[1:]:
                if id(base) in by_id:
                    return {"p": by_id[id(base)], "r": "backend-class"}
        elif callable(obj) and name in ops_by_name:
            return {"p": ops_by_name[name], "r": "backend-op"}
    return {"i": _kind(obj)}


def build():
    import keras
    import keras.src
    import torch  # noqa: F401 - before anything that may pull TensorFlow in

    public, by_id, keep = _walk_public(keras)
    keep += list(_returned_by(keras, by_id))
    ops_by_name = _ops_by_name(public)
    src, failed = {}, {}
    for modname in _src_modules(keras.src):
        try:
            mod = importlib.import_module(modname)
        except Exception as e:  # noqa: BLE001 - optional dependencies (jax, orbax, ...) may be absent
            failed[modname] = f"{type(e).__name__}: {e}"[:300]
            continue
        attrs = {}
        for name, obj in list(vars(mod).items()):
            if name.startswith("__") and name.endswith("__"):
                continue
            try:
                attrs[name] = _classify(obj, name, modname, by_id, ops_by_name)
            except Exception as e:  # noqa: BLE001 - odd objects (lazy modules) may refuse inspection
                attrs[name] = {"i": f"uninspectable ({type(e).__name__})"}
        src[modname] = {"package": hasattr(mod, "__path__"), "attrs": attrs}
    del keep
    return {"keras_version": keras.__version__, "backend": keras.backend.backend(), "public": public,
            "src": src, "unimportable": failed}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    os.environ["KERAS_BACKEND"] = "torch"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    data = build()
    if data["backend"] != "torch":
        raise SystemExit(f"real Keras loaded backend {data['backend']!r}, expected 'torch'")
    with open(argv[0], "w") as f:
        json.dump(data, f, sort_keys=True)
    print(f"wrote {argv[0]}: {len(data['public'])} public modules, {len(data['src'])} keras.src modules")


if __name__ == "__main__":
    main()
