"""keras.utils.get_file: download once into the Keras cache, verify the hash, reuse offline.

The cache layout is Keras's own (KERAS_HOME or ~/.keras, then `cache_subdir`, same file and
extraction-folder names), so files real Keras downloaded are reused and vice versa.
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from torchkeras.utils.path_utils import (  # noqa: F401 - Keras's file_utils names
    File,
    _raise_if_no_gfile,
    copy,
    exists,
    extract_archive,
    extract_open_archive,
    filter_safe_tarinfos,
    filter_safe_zipinfos,
    is_link_in_dir,
    is_remote_path,
    isdir,
    join,
    listdir,
    makedirs,
    path_to_string,
    remove,
    resolve_path,
    resolve_sub_path,
    rmtree,
)


def keras_home():
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.expanduser(home)


def resolve_hasher(algorithm, file_hash=None):
    """A hashlib object: sha256 when asked, or "auto" with a 64-character hash; md5 otherwise."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()  # legacy hashes


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """Hex digest of a file; `algorithm` is "sha256", "md5", "auto" or a hashlib object."""
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    return str(hash_file(fpath, resolve_hasher(algorithm, file_hash), chunk_size)) == str(file_hash)


def _targets(datadir, fname, given_fname, extract):
    """(download path, extraction dir or None), named as Keras 3 names them."""
    if not extract:
        return os.path.join(datadir, fname), None
    if given_fname and "." in fname:
        stem = fname[: fname.find(".")]
        return os.path.join(datadir, fname), os.path.join(datadir, f"{stem}_extracted")
    return os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)


def _download(origin, target):
    print(f"Downloading data from {origin}")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".download-")
    os.close(fd)
    try:
        with urllib.request.urlopen(origin, timeout=60) as response, open(tmp, "wb") as out:
            shutil.copyfileobj(response, out)
        os.replace(tmp, target)  # atomic: an interrupted download never looks like a cached file
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _extract(archive, dest):
    tmp = dest + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tar:
            if hasattr(tarfile, "data_filter"):  # refuses absolute paths and links out of `tmp`
                tar.extractall(tmp, filter="data")
            else:
                tar.extractall(tmp)
    elif zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            z.extractall(tmp)
    else:
        raise ValueError(f"Cannot extract {archive}: it is neither a tar nor a zip archive.")
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Path of `fname` in the cache, downloading it from `origin` when it is missing or stale."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir or keras_home())
    datadir = os.path.join(base, cache_subdir)
    given = fname
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                         "Please specify the `fname` argument.")
    if os.sep in fname:
        raise ValueError("Paths are not accepted as the `fname` argument; use `cache_dir` for the parent "
                         f"directory. Received: fname={fname}")
    extract = extract or untar
    target, extraction_dir = _targets(datadir, fname, given, extract)
    if extraction_dir and not force_download and os.path.isdir(extraction_dir) and not os.path.exists(target):
        return extraction_dir  # extracted earlier (or placed there by hand); the archive is not needed
    stale = os.path.exists(target) and file_hash is not None and not validate_file(target, file_hash, hash_algorithm)
    if force_download or stale or not os.path.exists(target):
        try:
            os.makedirs(datadir, exist_ok=True)
            _download(origin, target)
        except (OSError, urllib.error.URLError, ValueError) as e:
            why = (f"the cached file {target} does not match the expected hash {file_hash}" if stale
                   else f"no cached copy exists at {target}")
            raise OSError(
                f"Could not download {origin} ({e}), and {why}. To use it offline, download that URL on a "
                f"machine with internet access and place the file at {target}"
                + (f" (or its extracted contents in {extraction_dir})" if extraction_dir else "")
                + (f"; its {hash_algorithm if hash_algorithm != 'auto' else 'sha256/md5'} hash must be "
                   f"{file_hash}" if file_hash else "")
                + ". The cache folder follows KERAS_HOME (default ~/.keras).") from None
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            os.remove(target)
            raise ValueError(f"Incomplete or corrupted file detected: the downloaded {origin} does not match the "
                             f"expected hash {file_hash}.")
    if extraction_dir:
        if force_download or not os.path.isdir(extraction_dir):
            _extract(target, extraction_dir)
        return extraction_dir
    return target
