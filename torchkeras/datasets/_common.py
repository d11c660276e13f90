"""Shared by the dataset loaders: Keras's download location and a pickle-free npz reader."""

import io
import pickle
import zipfile

import numpy as np

from torchkeras.utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def fetch(fname, origin_name, file_hash, **kwargs):
    return get_file(fname=fname, origin=ORIGIN + origin_name, file_hash=file_hash, **kwargs)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Ragged (object) arrays in IMDB/Reuters are pickles: allow numpy reconstruction, nothing else."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to load {module}.{name} from a dataset file: only numpy arrays "
                                     "are allowed.")


_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def load_npz(path):
    """Every array of an .npz, object arrays included, without np.load(allow_pickle=True)."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for member in z.namelist():
            with z.open(member) as raw:
                f = io.BytesIO(raw.read())
            version = np.lib.format.read_magic(f)
            reader = _HEADER_READERS.get(version)
            if reader is None:
                raise ValueError(f"{path}: member {member} uses .npy format version {version}, which this "
                                 "reader does not support (expected 1.0 or 2.0).")
            shape, fortran, dtype = reader(f)
            key = member[:-4] if member.endswith(".npy") else member
            if dtype.hasobject:
                arr = _NumpyOnlyUnpickler(f).load()
            else:
                f.seek(0)
                arr = np.lib.format.read_array(f, allow_pickle=False)
            out[key] = arr
    return out


def remove_long_seq(maxlen, seqs, labels):
    kept = [(s, y) for s, y in zip(seqs, labels) if len(s) < maxlen]
    return [s for s, _ in kept], [y for _, y in kept]


def index_words(xs, start_char, index_from):
    """Keras's word-id convention: 0 pads, `start_char` opens each text, ids shift by `index_from`."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    else:
        xs = [list(x) for x in xs]
    return xs


def clip_vocabulary(xs, num_words, skip_top, oov_char):
    """Ids outside [skip_top, num_words) become `oov_char`, or are dropped when it is None."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def shuffled(rng, *arrays):
    idx = np.arange(len(arrays[0]))
    rng.shuffle(idx)
    return [a[idx] for a in arrays]
