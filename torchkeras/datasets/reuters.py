"""keras.datasets.reuters: 11,228 newswires as word-id sequences, 46 topics."""

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
from torchkeras.datasets.imdb import _objects

_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
_LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
           "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
           "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
           "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
           "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3):
    f = load_npz(fetch(path, "reuters.npz", _HASH))
    xs, labels = shuffled(np.random.RandomState(seed), f["x"], f["y"])
    xs = index_words(xs, start_char, index_from)
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
    xs = clip_vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return (_objects(xs[:cut]), np.array(labels[:cut])), (_objects(xs[cut:]), np.array(labels[cut:]))


def get_word_index(path="reuters_word_index.json"):
    with open(fetch(path, "reuters_word_index.json", _INDEX_HASH)) as f:
        return json.load(f)


def get_label_names():
    return _LABELS
