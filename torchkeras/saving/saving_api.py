"""save_model / load_model / save_weights / load_weights: pick the format, write atomically.

Formats: `.keras` (Keras 3 zip), `.weights.h5` (Keras 3 weights), `.h5`/`.hdf5` (legacy Keras 2
HDF5, full model or weights). Loading looks at the file's content (zip or HDF5, and which HDF5
layout), not only its name. Every write goes to a temporary file next to the target, which then
replaces the target in one `os.replace`: an interrupted save leaves the previous file intact.
"""

import contextlib
import os
import tempfile
import warnings
import zipfile

import h5py

from torchkeras.saving import integrity, keras_zip, legacy_h5, weights_h5

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_LEGACY_EXT = (".h5", ".hdf5")


def _path(filepath):
    if isinstance(filepath, os.PathLike):
        filepath = os.fspath(filepath)
    if not isinstance(filepath, str):
        raise TypeError(f"`filepath` must be a string or a path-like object. Received: {filepath!r} "
                        f"(of type {type(filepath).__name__})")
    return filepath


@contextlib.contextmanager
def atomic_target(filepath):
    """Yield a temporary path in the target's directory; on success it replaces `filepath`."""
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot save to {filepath!r}: the directory {directory!r} does not exist.")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(filepath)}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _proceed(filepath, overwrite):
    if overwrite or not os.path.exists(filepath):
        return True
    try:
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip().lower()
    except EOFError:
        answer = "n"
    return answer in ("y", "yes")


def _check_model(model, what):
    if not getattr(model, "built", False):
        warnings.warn(f"You are {what} a model that has not yet been built: it may hold no weights yet. "
                      "Build it first by calling it on data or with `model.build(input_shape)`.", stacklevel=3)


# ---------------------------------------------------------------------------------- models
def save_model(model, filepath, overwrite=True, zipped=None, include_optimizer=True, **kwargs):
    """`model.save(filepath)`: `.keras` (Keras 3 zip) or `.h5` (legacy HDF5)."""
    save_format = kwargs.pop("save_format", False)  # Keras 2's argument; the extension decides in Keras 3
    if save_format and not str(filepath).endswith((".h5", ".hdf5", ".keras")):
        raise ValueError("The `save_format` argument is deprecated in Keras 3. Please remove this argument and "
                         f"pass a file path with either `.keras` or `.h5` extension. Received: save_format={save_format}")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {sorted(kwargs)}.")
    filepath = _path(filepath)
    _check_model(model, "saving")
    if zipped is None:
        zipped = True
    if filepath.endswith(_LEGACY_EXT):
        warnings.warn("You are saving your model as an HDF5 file via `model.save()`. This file format is "
                      "considered legacy. We recommend using instead the native Keras format, e.g. "
                      "`model.save('my_model.keras')`.", stacklevel=2)
        if not _proceed(filepath, overwrite):
            return
        with atomic_target(filepath) as tmp:
            with h5py.File(tmp, "w", **integrity.h5_create_kwargs()) as f:
                legacy_h5.write_model(model, f, include_optimizer=include_optimizer)
            integrity.seal(tmp)
        return
    if zipped and not filepath.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` extension for "
                         "the native Keras format (recommended) or a `.h5` extension. Use `model.export("
                         f"filepath)` if you want to export a SavedModel. Received: filepath={filepath}")
    if not zipped:
        if filepath.endswith(".keras"):
            raise ValueError("When using `zipped=False`, the `filepath` argument should not end in `.keras`. "
                             f"Received: filepath={filepath}")
        keras_zip.write_dir(model, filepath, include_optimizer=include_optimizer)
        return
    if not _proceed(filepath, overwrite):
        return
    with atomic_target(filepath) as tmp:
        with open(tmp, "wb") as f:
            keras_zip.write_zip(model, f, include_optimizer=include_optimizer)


def _kind(filepath):
    if os.path.isdir(filepath):
        return "dir"
    with open(filepath, "rb") as f:
        head = f.read(integrity.USERBLOCK + 8)
    if head[:8] == _HDF5_MAGIC or head[integrity.USERBLOCK:] == _HDF5_MAGIC \
            or head.startswith(b"TORCHKERAS-SHA256"):
        return "h5"
    if head[:2] == b"PK" or zipfile.is_zipfile(filepath):
        return "zip"
    return None


def _exists(filepath):
    if not os.path.exists(filepath) and not filepath.endswith((".keras", ".h5", ".hdf5")):
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only supports V3 `.keras` "
                         "files, `.weights.h5` files and legacy H5 format files (`.h5` extension).")
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an accessible "
                         "`.keras` zip file, a `.weights.h5` file or a legacy `.h5` file.")


class _CorruptTypeError(integrity.CorruptFileError, TypeError):
    """A file whose config cannot be rebuilt: both our file error and Keras's TypeError."""


def _naming_the_file(filepath, what):
    """Any failure while reading a file becomes an error that names the file (never a raw library error)."""
    def wrap(fn):
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except integrity.CorruptFileError:
                raise
            except (ValueError, TypeError) as e:
                if filepath in str(e) or repr(filepath) in str(e):
                    raise
                # A TypeError stays one (Keras raises TypeError for configs it cannot rebuild).
                cls = _CorruptTypeError if isinstance(e, TypeError) else integrity.CorruptFileError
                raise cls(f"Cannot {what} {filepath!r}: {e}") from e
            except FileNotFoundError:
                raise
            except (KeyError, IndexError, AttributeError, RuntimeError, OSError, NotImplementedError,
                    OverflowError, RecursionError, LookupError, EOFError, ArithmeticError) as e:
                raise integrity.CorruptFileError(
                    f"Cannot {what} {filepath!r}: the file is corrupted or not a valid Keras file "
                    f"({type(e).__name__}: {str(e)[:300]}).") from e
        return run
    return wrap


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by torchkeras or real Keras (`.keras`, legacy `.h5`)."""
    filepath = _path(filepath)
    _exists(filepath)
    return _naming_the_file(filepath, "load a model from")(_load_model)(filepath, custom_objects, compile, safe_mode)


def _load_model(filepath, custom_objects, compile, safe_mode):
    kind = _kind(filepath)
    if kind in ("zip", "dir"):
        return keras_zip.load_zip(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if kind == "h5":
        integrity.check_h5_file(filepath)
        try:
            return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                        safe_mode=safe_mode)
        except OSError as err:
            raise ValueError(f"Cannot load {filepath!r}: the HDF5 file is truncated or corrupted ({err}).") from err
    raise ValueError(f"Cannot load {filepath!r}: it is neither a `.keras` zip archive nor an HDF5 file. "
                     "The file may be truncated or corrupted, or saved in another format (a TensorFlow "
                     "SavedModel cannot be loaded; re-save it as `.keras` with Keras).")


# ---------------------------------------------------------------------------------- weights
def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """`.weights.h5` in Keras 3's layout; `.h5`/`.hdf5` in Keras 2's (what Keras 2 scripts wrote)."""
    kwargs.pop("save_format", None)
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    if kwargs or max_shard_size is not None:
        raise ValueError(f"Unsupported argument(s): {sorted(kwargs) + (['max_shard_size'] if max_shard_size else [])}.")
    filepath = _path(filepath)
    if not filepath.endswith(_LEGACY_EXT):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    if not _proceed(filepath, overwrite):
        return
    with atomic_target(filepath) as tmp:
        with h5py.File(tmp, "w", **integrity.h5_create_kwargs()) as f:
            if filepath.endswith(".weights.h5"):
                weights_h5.write_weights(model, f, objects_to_skip=objects_to_skip or ())
            else:
                legacy_h5.write_weights_group(f, model)
        integrity.seal(tmp)


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    """Weights from `.weights.h5`, `.keras` or a legacy `.h5` file (checked fully before any change)."""
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    filepath = _path(filepath)
    if objects_to_skip is not None and not filepath.endswith(".weights.h5"):
        raise ValueError(f"`objects_to_skip` only supports loading '.weights.h5' files. Received: {filepath}")
    if by_name and not filepath.endswith((".h5", ".hdf5")) or by_name and filepath.endswith(".weights.h5"):
        raise ValueError(f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. Received: {filepath}")
    _exists(filepath)
    return _naming_the_file(filepath, "load weights from")(_load_weights)(model, filepath, skip_mismatch, by_name,
                                                                          objects_to_skip or ())


def _refuse_links(group):
    """A weights file never links elsewhere; a link could read another file or alias a group."""
    for name in group:
        link = group.get(name, getlink=True)
        if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
            raise ValueError(f"Refusing to read `{group.name.rstrip('/')}/{name}`: it is an HDF5 "
                             f"{type(link).__name__}, which a Keras weights file never contains.")
        item = group.get(name)
        if isinstance(item, h5py.Group):
            _refuse_links(item)


def _load_weights(model, filepath, skip_mismatch, by_name, objects_to_skip=()):
    kind = _kind(filepath)
    if kind in ("zip", "dir"):
        if by_name:
            raise ValueError("Invalid keyword arguments: {'by_name': True}: `by_name` only applies to legacy "
                             "`.h5` weight files.")
        return keras_zip.load_weights_from_zip(model, filepath, skip_mismatch=skip_mismatch)
    if kind != "h5":
        raise ValueError(f"Cannot load weights from {filepath!r}: it is not an HDF5 or `.keras` file (it may be "
                         "truncated or corrupted). TensorFlow checkpoints cannot be loaded.")
    integrity.check_h5_file(filepath)
    try:
        with h5py.File(filepath, "r") as f:
            _refuse_links(f)
            if legacy_h5.is_legacy_file(f):
                group = f["model_weights"] if "model_weights" in f else f
                legacy_h5.read_weights_group(group, model, by_name=by_name, skip_mismatch=skip_mismatch,
                                             source=repr(filepath))
            elif by_name:
                raise ValueError("Invalid keyword arguments: {'by_name': True}: `by_name` only applies to "
                                 "legacy `.h5` weight files; this is a Keras 3 `.weights.h5` file.")
            else:
                weights_h5.read_weights(model, f, skip_mismatch=skip_mismatch, source=repr(filepath),
                                        objects_to_skip=objects_to_skip)
    except OSError as err:
        raise ValueError(f"Cannot load weights from {filepath!r}: the HDF5 file is truncated or corrupted "
                         f"({err}).") from err
