"""Keras's file helpers (`keras.src.utils.file_utils`): path checks, safe archive extraction, and
filesystem calls that accept remote paths (`gs://...`) when TensorFlow's gfile is installed.

TensorFlow is imported only when a remote path is actually used, never by `import torchkeras`.
"""

import importlib
import importlib.util
import inspect
import os
import re
import shutil
import sys
import tarfile
import warnings
import zipfile

_REMOTE = re.compile(r"^(/cns|/cfs|/gcs|/hdfs|/readahead|/placer|/tfhub|.*://).*$")


def path_to_string(path):
    """`os.fspath` of a PathLike; anything else (a str, a file object, None) unchanged."""
    return os.fspath(path) if isinstance(path, os.PathLike) else path


def resolve_path(path):
    return os.path.realpath(path)


def resolve_sub_path(base_dir, relative_path):
    """The resolved `base_dir/relative_path` if it stays inside `base_dir` (already resolved), else None."""
    path = resolve_path(os.path.join(base_dir, relative_path))
    try:
        return path if os.path.commonpath([path, base_dir]) == base_dir else None
    except ValueError:  # different drives
        return None


def is_link_in_dir(info, base_dir):
    """Whether a tar link member and its target both stay inside `base_dir`."""
    if info.islnk():  # hard links resolve from the archive root
        return (resolve_sub_path(base_dir, info.name) is not None
                and resolve_sub_path(base_dir, info.linkname) is not None)
    destination = resolve_sub_path(base_dir, info.name)
    if destination is None:
        return False
    link = resolve_path(os.path.join(os.path.dirname(destination), info.linkname))
    try:
        return os.path.commonpath([link, base_dir]) == base_dir
    except ValueError:
        return False


def _skip(name):
    warnings.warn(f"Skipping invalid path during archive extraction: '{name}'.", stacklevel=2)


def filter_safe_zipinfos(members, base_dir):
    base_dir = resolve_path(base_dir)
    for info in members:
        if resolve_sub_path(base_dir, info.filename) is not None:
            yield info
        else:
            _skip(info.filename)


def filter_safe_tarinfos(members, base_dir):
    base_dir = resolve_path(base_dir)
    for info in members:
        if info.issym() or info.islnk():
            safe = is_link_in_dir(info, base_dir)
        else:
            safe = resolve_sub_path(base_dir, info.name) is not None
        if safe:
            yield info
        else:
            _skip(info.name)


def extract_open_archive(archive, path="."):
    """Extract an open TarFile or ZipFile into `path`, leaving out members that would land outside."""
    if isinstance(archive, zipfile.ZipFile):
        archive.extractall(path, members=filter_safe_zipinfos(archive.infolist(), path))
        return
    kwargs = {}
    if sys.version_info < (3, 14) and "filter" in inspect.signature(archive.extractall).parameters:
        kwargs = {"filter": "data"}  # the default from 3.14 on
    archive.extractall(path, members=filter_safe_tarinfos(archive, path), **kwargs)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar (.tar, .tar.gz, .tar.bz) or zip archive; True when one of the formats matched.

    `archive_format`: "auto" (tar, then zip), "tar", "zip", a list of those, or None (nothing)."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else \
        [archive_format] if isinstance(archive_format, str) else archive_format
    file_path, path = path_to_string(file_path), path_to_string(path)
    for kind in formats:
        if kind == "tar":
            open_fn, is_match = tarfile.open, tarfile.is_tarfile
        elif kind == "zip":
            open_fn, is_match = zipfile.ZipFile, zipfile.is_zipfile
        else:
            raise NotImplementedError(kind)
        if is_match(file_path):
            with open_fn(file_path) as archive:
                try:
                    extract_open_archive(archive, path)
                except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                    # A half-extracted folder must not pass for a complete one later.
                    if os.path.isfile(path):
                        os.remove(path)
                    elif os.path.exists(path):
                        shutil.rmtree(path)
                    raise
            return True
    return False


def is_remote_path(filepath):
    """Whether `filepath` names a remote location (GCS, CNS, CFS, HDFS, Placer, TFHub, or a URL)."""
    return bool(_REMOTE.match(str(filepath)))


def _raise_if_no_gfile(path):
    raise ValueError("Handling remote paths requires installing TensorFlow (in order to use gfile). "
                     f"Received path: {path}")


def _gfile(path):
    if importlib.util.find_spec("tensorflow") is None:
        _raise_if_no_gfile(path)
    return importlib.import_module("tensorflow.io.gfile")


def exists(path):
    return _gfile(path).exists(path) if is_remote_path(path) else os.path.exists(path)


def File(path, mode="r"):
    return _gfile(path).GFile(path, mode=mode) if is_remote_path(path) else open(path, mode=mode)


def join(path, *paths):
    return _gfile(path).join(path, *paths) if is_remote_path(path) else os.path.join(path, *paths)


def isdir(path):
    return _gfile(path).isdir(path) if is_remote_path(path) else os.path.isdir(path)


def remove(path):
    return _gfile(path).remove(path) if is_remote_path(path) else os.remove(path)


def rmtree(path):
    return _gfile(path).rmtree(path) if is_remote_path(path) else shutil.rmtree(path)


def listdir(path):
    return _gfile(path).listdir(path) if is_remote_path(path) else os.listdir(path)


def copy(src, dst):
    if is_remote_path(src) or is_remote_path(dst):
        return _gfile(f"src={src} dst={dst}").copy(src, dst, overwrite=True)
    return shutil.copy(src, dst)


def makedirs(path):
    return _gfile(path).makedirs(path) if is_remote_path(path) else os.makedirs(path)
