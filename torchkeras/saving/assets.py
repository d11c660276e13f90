"""Asset files in `.keras` archives: `assets/<structural path>/<file>`, as Keras 3 writes them.

A layer that has `save_assets(dir)` / `load_assets(dir)` (the lookup layers' vocabulary.txt) writes
into, and later reads from, a directory of its own; the archive keeps that directory under the
layer's structural path (see `_tree.py`).
"""

import os
import tempfile

from torchkeras.saving._tree import walk

PREFIX = "assets/"


def collect(model):
    """{archive member name: bytes} of every asset the model's objects write."""
    members = {}
    for path, obj in walk(model, include_optimizer=False):
        if not callable(getattr(obj, "save_assets", None)):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            obj.save_assets(tmp)
            for root, _, files in os.walk(tmp):
                for name in sorted(files):
                    full = os.path.join(root, name)
                    rel = os.path.relpath(full, tmp).replace(os.sep, "/")
                    with open(full, "rb") as f:
                        members[PREFIX + (f"{path}/" if path else "") + rel] = f.read()
    return members


def restore(model, members):
    """Give each object with `load_assets` a directory holding its stored asset files."""
    for path, obj in walk(model, include_optimizer=False):
        if not callable(getattr(obj, "load_assets", None)):
            continue
        prefix = PREFIX + (f"{path}/" if path else "")
        own = {name[len(prefix):]: data for name, data in members.items()
               if name.startswith(prefix) and "/" not in name[len(prefix):]}
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in own.items():
                if name in ("", ".", "..") or os.path.basename(name) != name:
                    continue  # never write outside the directory
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(data)
            obj.load_assets(tmp)
