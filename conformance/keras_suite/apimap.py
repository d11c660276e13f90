"""The keras.src -> public-path map (built by apimap_build in a separate process) and its lookups.

`public_path_of(module, name)` says where Keras exports `keras.src.<module>.<name>`;
`resolve(path)` finds that public path in torchkeras (`keras.layers.Dense` -> `torchkeras.layers.Dense`).
"""

import importlib
import json
import os
import subprocess
import sys

from conformance.keras_suite.sdist import KERAS_VERSION, cache_dir

_MAP = None
_ABSENT = object()


def map_path():
    return cache_dir() / "apimap.json"


def ensure_map():
    """Build the map once per cache, in a subprocess that imports real Keras on the torch backend."""
    path = map_path()
    if path.is_file():
        return path
    env = dict(os.environ, KERAS_BACKEND="torch", TF_CPP_MIN_LOG_LEVEL="3")
    tmp = path.with_suffix(".tmp")
    proc = subprocess.run([sys.executable, "-m", "conformance.keras_suite.apimap_build", str(tmp)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0 or not tmp.is_file():
        raise RuntimeError(
            f"Building the Keras {KERAS_VERSION} API map needs real keras=={KERAS_VERSION} installed "
            f"(`pip install 'torchkeras[conformance]'`); the builder exited {proc.returncode}:\n"
            f"{proc.stderr.strip()[-2000:]}")
    data = json.loads(tmp.read_text())
    if data.get("keras_version") != KERAS_VERSION:
        tmp.unlink()
        raise RuntimeError(f"The installed keras is {data.get('keras_version')}, the suite measures "
                           f"{KERAS_VERSION}: install keras=={KERAS_VERSION}.")
    tmp.replace(path)
    return path


def load():
    global _MAP
    if _MAP is None:
        _MAP = json.loads(ensure_map().read_text())
    return _MAP


def src_module(name):
    """The map's record of a keras.src module ({"package", "attrs"}), or None."""
    return load()["src"].get(name)


def public_module(name):
    """{name: kind} of a public Keras module (`keras.layers`), or None when Keras has no such module."""
    return load()["public"].get(name)


def public_modules():
    return load()["public"]


def to_torchkeras(path):
    return "torchkeras" + path[len("keras"):]


def resolve(path):
    """The torchkeras object at Keras's public `path`, or _ABSENT when torchkeras lacks it."""
    parts = to_torchkeras(path).split(".")
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return _ABSENT
    for i, part in enumerate(parts[1:], start=1):
        nxt = getattr(obj, part, _ABSENT)
        if nxt is _ABSENT:
            # A submodule that its package does not import itself (torchkeras.ops.numpy).
            try:
                nxt = importlib.import_module(".".join(parts[: i + 1]))
            except ImportError:
                return _ABSENT
        obj = nxt
    return obj


def resolve_first(paths):
    """(torchkeras object, path) for the first of Keras's public `paths` torchkeras has, else (_ABSENT, paths[0])."""
    for path in paths:
        obj = resolve(path)
        if obj is not _ABSENT:
            return obj, path
    return _ABSENT, paths[0]


ABSENT = _ABSENT
