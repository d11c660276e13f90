"""The `.keras` format: a zip of `metadata.json`, `config.json` and `model.weights.h5`.

The same three members real Keras 3 writes (config in Keras 3's object format, weights under
structural paths), so either side loads the other's files. `zipped=False` writes the same members
into a directory.
"""

import datetime
import io
import json
import os
import zipfile

import h5py

from torchkeras.saving import assets, integrity, serialization_lib, weights_h5
from torchkeras.utils import serialization as _ser

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
# The Keras release whose file layout this mirrors; Keras reads no version from the file.
KERAS_FORMAT_VERSION = "3.15.1"
_MAX_MEMBER = 4 << 30  # 4 GiB: refuse decompression bombs in config or weights


def _keras_modules(cfg):
    """Keras can only import `Functional` from its private module path, which is what it writes."""
    if isinstance(cfg, list):
        return [_keras_modules(c) for c in cfg]
    if not isinstance(cfg, dict):
        return cfg
    out = {k: _keras_modules(v) for k, v in cfg.items()}
    if out.get("class_name") == "Functional" and out.get("module") == "keras":
        out["module"] = "keras.src.models.functional"
    return out


def model_config(model):
    cfg = _keras_modules(_ser.serialize_keras_object(model))
    cfg.pop("compile_config", None)
    compile_cfg = serialization_lib.serialize_compile_config(model)
    if compile_cfg:
        cfg["compile_config"] = compile_cfg
    return cfg


def _members(model, include_optimizer=True):
    from torchkeras import __version__

    config_json = serialization_lib.to_json(model_config(model))
    metadata = {"keras_version": KERAS_FORMAT_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "torchkeras_version": __version__}
    buf = io.BytesIO()
    with h5py.File(buf, "w", **integrity.h5_create_kwargs()) as f:
        weights_h5.write_weights(model, f, include_optimizer=include_optimizer)
    members = {METADATA: json.dumps(metadata).encode(), CONFIG: config_json.encode(),
               WEIGHTS: integrity.seal_bytes(buf.getvalue())}
    members.update(assets.collect(model))  # assets/<path>/... (lookup vocabularies), as Keras writes them
    return members


def write_zip(model, fileobj, include_optimizer=True):
    members = _members(model, include_optimizer)
    with zipfile.ZipFile(fileobj, "w") as zf:
        for name in members:
            zf.writestr(name, members[name])


def write_dir(model, dirpath, include_optimizer=True):
    os.makedirs(dirpath, exist_ok=True)
    for name, data in _members(model, include_optimizer).items():
        os.makedirs(os.path.dirname(os.path.join(dirpath, name)), exist_ok=True)
        with open(os.path.join(dirpath, name), "wb") as f:
            f.write(data)


# ---------------------------------------------------------------------------------- reading
def _corrupt(filepath, why):
    return ValueError(f"Cannot load {filepath!r}: it is not a valid `.keras` file ({why}). The file may be "
                      "truncated or corrupted; save the model again.")


def read_members(filepath, names=(CONFIG, WEIGHTS)):
    """{member: bytes} from a .keras zip or a `zipped=False` directory; clear errors when broken."""
    out = {}
    if os.path.isdir(filepath):
        for name in names:
            path = os.path.join(filepath, name)
            if not os.path.isfile(path):
                raise _corrupt(filepath, f"the directory has no {name}")
            with open(path, "rb") as f:
                out[name] = f.read()
        return out
    # every member's CRC-32 and name, metadata included, before anything is parsed
    integrity.check_zip(filepath, f"The file {filepath!r}")
    try:
        with zipfile.ZipFile(filepath, "r") as zf:
            listed = set(zf.namelist())
            for name in names:
                if name not in listed:
                    raise _corrupt(filepath, f"the archive has no {name}")
                if zf.getinfo(name).file_size > _MAX_MEMBER:
                    raise _corrupt(filepath, f"{name} claims {zf.getinfo(name).file_size} bytes")
                out[name] = zf.read(name)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise _corrupt(filepath, f"{type(err).__name__}: {err}") from err
    return out


def parse_config(filepath, data):
    try:
        config = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise _corrupt(filepath, f"{CONFIG} is not valid JSON: {err}") from err
    if not isinstance(config, dict) or "class_name" not in config:
        raise _corrupt(filepath, f"{CONFIG} does not describe a model")
    return config


def open_weights(filepath, data):
    where = f"The weights ({WEIGHTS}) inside {filepath!r}"
    if not integrity.check_h5_bytes(data, where):
        integrity.probe_h5(data, where)
    try:
        return h5py.File(io.BytesIO(data), "r")
    except OSError as err:
        raise _corrupt(filepath, f"{WEIGHTS} is not a readable HDF5 file: {err}") from err


def load_zip(filepath, custom_objects=None, compile=True, safe_mode=True):
    members = read_members(filepath)
    config = parse_config(filepath, members[CONFIG])
    if not compile:
        config.pop("compile_config", None)
    model = serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects,
                                                       safe_mode=safe_mode)
    with open_weights(filepath, members[WEIGHTS]) as f:
        weights_h5.read_weights(model, f, source=repr(filepath))
    assets.restore(model, read_assets(filepath))
    return model


def read_assets(filepath):
    """{member name: bytes} of the `assets/` members of a .keras zip or directory."""
    out = {}
    if os.path.isdir(filepath):
        root = os.path.join(filepath, "assets")
        for dirpath, _, files in os.walk(root):
            for name in files:
                full = os.path.join(dirpath, name)
                with open(full, "rb") as f:
                    out["assets/" + os.path.relpath(full, root).replace(os.sep, "/")] = f.read()
        return out
    with zipfile.ZipFile(filepath, "r") as zf:
        for info in zf.infolist():
            if info.filename.startswith("assets/") and not info.is_dir() and info.file_size <= _MAX_MEMBER:
                out[info.filename] = zf.read(info.filename)
    return out


def load_weights_from_zip(model, filepath, skip_mismatch=False):
    members = read_members(filepath, names=(WEIGHTS,))
    with open_weights(filepath, members[WEIGHTS]) as f:
        weights_h5.read_weights(model, f, skip_mismatch=skip_mismatch, source=repr(filepath))
