"""keras.datasets.imdb: 25k + 25k movie reviews as word-id sequences, binary sentiment labels."""

import json

import numpy as np

from torchkeras.datasets._common import (
    clip_vocabulary,
    fetch,
    index_words,
    load_npz,
    remove_long_seq,
    shuffled,
)

_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}.")
    f = load_npz(fetch(path, "imdb.npz", _HASH))
    rng = np.random.RandomState(seed)
    x_train, y_train = shuffled(rng, f["x_train"], f["y_train"])
    x_test, y_test = shuffled(rng, f["x_test"], f["y_test"])
    x_train, x_test = index_words(x_train, start_char, index_from), index_words(x_test, start_char, index_from)
    if maxlen:
        x_train, y_train = remove_long_seq(maxlen, x_train, y_train)
        x_test, y_test = remove_long_seq(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             "Increase maxlen.")
    xs = clip_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    n = len(x_train)
    return (_objects(xs[:n]), labels[:n]), (_objects(xs[n:]), labels[n:])


def _objects(seqs):
    out = np.empty(len(seqs), dtype="object")
    out[:] = seqs
    return out


def get_word_index(path="imdb_word_index.json"):
    with open(fetch(path, "imdb_word_index.json", _INDEX_HASH)) as f:
        return json.load(f)
