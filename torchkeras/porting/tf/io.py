"""tf.io: file helpers on the local file system (`gfile`, read_file / write_file)."""

import glob as _glob
import os
import shutil

from torchkeras.porting.tf._core import Namespace, namespace_getattr
from torchkeras.porting.tf.strings_array import StringTensor

__getattr__ = namespace_getattr("tf.io")


def read_file(filename, name=None):
    with open(_str(filename), "rb") as f:
        return StringTensor.of(f.read())


def write_file(filename, contents, name=None):
    data = contents.numpy() if isinstance(contents, StringTensor) else contents
    with open(_str(filename), "wb") as f:
        f.write(data if isinstance(data, bytes) else str(data).encode())


def _str(path):
    if isinstance(path, StringTensor):
        path = path.numpy()
    return path.decode() if isinstance(path, bytes) else os.fspath(path)


def _rmtree(path):
    shutil.rmtree(_str(path))


def _listdir(path):
    return os.listdir(_str(path))


def _glob_files(pattern):
    return sorted(_glob.glob(_str(pattern)))


def _makedirs(path):
    os.makedirs(_str(path), exist_ok=True)


def _copy(src, dst, overwrite=False):
    if os.path.exists(_str(dst)) and not overwrite:
        raise FileExistsError(f"{_str(dst)} exists; pass overwrite=True.")
    shutil.copy(_str(src), _str(dst))


def _rename(src, dst, overwrite=False):
    os.replace(_str(src), _str(dst)) if overwrite else os.rename(_str(src), _str(dst))


def _walk(top, topdown=True, onerror=None):
    return os.walk(_str(top), topdown=topdown, onerror=onerror)


gfile = Namespace(
    "tf.io.gfile", GFile=open, exists=lambda p: os.path.exists(_str(p)), isdir=lambda p: os.path.isdir(_str(p)),
    makedirs=_makedirs, mkdir=lambda p: os.mkdir(_str(p)), listdir=_listdir, glob=_glob_files, remove=os.remove,
    rmtree=_rmtree, copy=_copy, rename=_rename, walk=_walk, stat=os.stat, join=os.path.join)
