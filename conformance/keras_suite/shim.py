"""The `keras` import shim: Keras's tests import `keras...` and get torchkeras.

- `keras`, `keras.layers`, ... (Keras's public modules): PublicModule, whose names are Keras's
  exports looked up in the same place in torchkeras.
- `keras.src.X` (Keras's source modules): SrcModule; `keras.src.X.name` goes to the public path where
  Keras exports that object (per the API map) and from there into torchkeras. Unexported names that
  torchkeras has an equivalent of are answered by it (internals.py); the other unexported names are
  InternalName stand-ins; plain constants keep Keras's value (torch backend).
- `keras.src.testing[.*]`: our own TestCase port (conformance.keras_suite.testing).
- `keras.src....*_test`: the upstream test files themselves, loaded from the sdist unchanged.
Any other `keras...` import is refused, so real Keras can never load in a suite process.
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path

from conformance.keras_suite import apimap, internals
from conformance.keras_suite.placeholders import EVENTS, InternalName, MissingName

_TESTING = "conformance.keras_suite.testing"


def _dunder(name):
    return name.startswith("__") and name.endswith("__")


def public_value(paths, asked_as):
    obj, path = apimap.resolve_first(paths)
    return MissingName(path, asked_as) if obj is apimap.ABSENT else obj


def plain_value(data):
    """Rebuild plain data recorded by the map builder (containers carry their type)."""
    if isinstance(data, dict) and "__type__" in data:
        kind, items = data["__type__"], data["items"]
        if kind == "dict":
            return {k: plain_value(v) for k, v in items.items()}
        return {"tuple": tuple, "list": list, "set": set, "frozenset": frozenset}[kind](
            plain_value(v) for v in items)
    return data


def _specs(structure):
    """Tensors and arrays in `structure` as torchkeras KerasTensors of the same shape and dtype."""
    from conformance.keras_suite.testing import _tk

    if isinstance(structure, (list, tuple)):
        return type(structure)(_specs(x) for x in structure)
    if isinstance(structure, dict):
        return {k: _specs(v) for k, v in structure.items()}
    if hasattr(structure, "shape") and hasattr(structure, "dtype") and not isinstance(structure, _tk.KerasTensor):
        return _tk.KerasTensor(tuple(structure.shape), dtype=_tk.standardize_dtype(structure.dtype))
    return structure


def op_class(entry, asked):
    """Keras's Operation class behind a public op, as that op: `Softmax(axis=1)(x)` calls
    `ops.softmax(x, axis=1)`; `symbolic_call` / `compute_output_spec` call it on KerasTensors."""
    fn = public_value(entry["o"], asked)
    init_names = entry["init"]

    class OpClass:
        def __init__(self, *args, **kwargs):
            kwargs.pop("name", None)
            self.bound = {**dict(zip(init_names, args)), **kwargs}

        def __call__(self, *args, **kwargs):
            return _call_bound(fn, self.bound, args, kwargs)

        def symbolic_call(self, *args, **kwargs):
            # Keras answers from the inputs' specs alone: concrete inputs become KerasTensors first.
            return _call_bound(fn, self.bound, _specs(args), _specs(kwargs))

        compute_output_spec = symbolic_call

        def call(self, *args, **kwargs):
            return self(*args, **kwargs)

        def __getattr__(self, attr):
            # Keras's op objects keep their constructor arguments as attributes.
            if attr != "bound" and attr in init_names:
                return self.bound[attr] if attr in self.bound else _default(fn, attr)
            raise AttributeError(attr)

    OpClass.__name__ = OpClass.__qualname__ = asked.rsplit(".", 1)[-1]
    return OpClass


def _default(fn, name):
    import inspect

    try:
        param = inspect.signature(fn).parameters.get(name)
    except (TypeError, ValueError):
        param = None
    if param is None or param.default is param.empty:
        raise AttributeError(name)
    return param.default


def _call_bound(fn, bound, args, kwargs):
    """`fn` with the constructor's arguments in their places: those the function takes before the
    call's positional ones (einsum's `subscripts`, full's `shape`) go positionally."""
    import inspect

    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return fn(*args, **{**bound, **kwargs})
    rest, args, pos = dict(bound), list(args), []
    for p in params:
        if p.kind == p.VAR_POSITIONAL or not args:
            break
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        pos.append(rest.pop(p.name) if p.name in rest else args.pop(0))
    return fn(*pos, *args, **{**rest, **kwargs})


class PublicModule(types.ModuleType):
    """A Keras public module (`keras.layers`) answered by torchkeras."""

    def __getattr__(self, attr):
        if _dunder(attr):
            raise AttributeError(attr)
        names = apimap.public_module(self.__name__) or {}
        if self.__name__ == "keras" and attr == "src":
            return importlib.import_module("keras.src")
        if attr not in names:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r} (Keras 3.15.1 "
                                 "does not export it either)")
        path = f"{self.__name__}.{attr}"
        value = importlib.import_module(path) if names[attr] == "module" else public_value([path], path)
        types.ModuleType.__setattr__(self, attr, value)
        return value


class SrcModule(types.ModuleType):
    """A keras.src module: each attribute goes through its public path, or is an internal stand-in."""

    def __getattr__(self, attr):
        if _dunder(attr):
            raise AttributeError(attr)
        record = apimap.src_module(self.__name__)
        entry = (record or {}).get("attrs", {}).get(attr) if record else None
        asked = f"{self.__name__}.{attr}"
        if entry is None or "i" in entry:
            # A Keras internal that torchkeras has an equivalent of (see internals.py).
            value = internals.lookup(self.__name__, attr)
            if value is not None:
                types.ModuleType.__setattr__(self, attr, value)
                return value
        if entry is None:
            if _finder.module_kind(asked) is not None:
                return importlib.import_module(asked)
            if record is None:  # a module Keras could not import for the torch backend (jax, tf)
                return InternalName(asked)
            raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")
        if "m" in entry:
            value = importlib.import_module(entry["m"])
        elif "p" in entry:
            value = public_value(entry["p"], asked)
        elif "o" in entry:
            value = op_class(entry, asked)
        elif "v" in entry:
            value = plain_value(entry["v"])
        else:
            value = InternalName(asked)
        types.ModuleType.__setattr__(self, attr, value)
        return value

    def __setattr__(self, attr, value):
        # A test that patches a keras.src name changes Keras internals, not torchkeras.
        if not _dunder(attr) and not isinstance(value, types.ModuleType):
            EVENTS.append(("patched", f"{self.__name__}.{attr}"))
        types.ModuleType.__setattr__(self, attr, value)


class DelegateModule(types.ModuleType):
    """`keras.src.testing...` answered by our TestCase port."""

    def __getattr__(self, attr):
        if _dunder(attr):
            raise AttributeError(attr)
        target = importlib.import_module(self.__dict__["_target"])
        try:
            return getattr(target, attr)
        except AttributeError:
            return InternalName(f"{self.__name__}.{attr}")


class ShimFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, sdist_root):
        self.root = Path(sdist_root)

    def module_kind(self, fullname):
        if fullname == "keras" or apimap.public_module(fullname) is not None:
            return "public"
        if fullname == "keras.src.testing" or fullname.startswith("keras.src.testing."):
            return "testing"
        rel = self.root / fullname.replace(".", "/")
        if fullname.endswith("_test") and rel.with_suffix(".py").is_file():
            return "testfile"
        if apimap.src_module(fullname) is not None or rel.with_suffix(".py").is_file() or \
                (rel / "__init__.py").is_file():
            return "src"
        return None

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        kind = self.module_kind(fullname)
        if kind is None:
            raise ModuleNotFoundError(f"No module named {fullname!r} (Keras-suite shim: Keras 3.15.1 "
                                      "has no such module)", name=fullname)
        if kind == "testfile":
            return importlib.util.spec_from_file_location(
                fullname, self.root / (fullname.replace(".", "/") + ".py"))
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        kind = self.module_kind(spec.name)
        if kind == "public":
            return PublicModule(spec.name)
        if kind == "testing":
            module = DelegateModule(spec.name)
            module.__dict__["_target"] = _TESTING + spec.name[len("keras.src.testing"):]
            return module
        return SrcModule(spec.name)

    def exec_module(self, module):
        pass


_finder = None


def install(sdist_root):
    """Own the `keras` module name in this process (idempotent)."""
    global _finder
    if _finder is not None:
        return _finder
    for name in [n for n in sys.modules if n == "keras" or n.startswith("keras.")]:
        raise RuntimeError(f"real Keras is already imported ({name}); the shim needs a fresh process")
    apimap.load()
    _finder = ShimFinder(sdist_root)
    sys.meta_path.insert(0, _finder)
    return _finder
