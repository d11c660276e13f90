"""TextVectorization's string steps with TensorFlow's semantics, on Python strings.

- "lower" is `tf.strings.lower`, which lowercases ASCII letters only;
- "strip_punctuation" removes the ASCII punctuation class Keras's regex names;
- "whitespace" splitting is `tf.strings.split`: on ASCII whitespace, empty pieces dropped;
- "character" splitting is `tf.strings.unicode_split`: one piece per code point;
- ngrams are `tf.strings.ngrams(..., separator=" ")`: every width in order, no padding.
"""

import re

import numpy as np

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


def standardize(strings, mode):
    """Apply a built-in standardization to an object array of str (returns a new array)."""
    flat = list(strings.reshape(-1))
    if mode in ("lower", "lower_and_strip_punctuation"):
        flat = [s.translate(_ASCII_LOWER) for s in flat]
    if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
        flat = [_PUNCTUATION.sub("", s) for s in flat]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(strings.shape)


def split_whitespace(s):
    return [t for t in _WHITESPACE.split(s) if t]


def split_characters(s):
    return list(s)


def ngrams(tokens, widths):
    out = []
    for w in widths:
        out.extend(" ".join(tokens[i:i + w]) for i in range(len(tokens) - w + 1))
    return out


def as_rows(result):
    """A user split function's result (lists, arrays, ragged-like objects) as lists of str."""
    if hasattr(result, "to_list"):
        result = result.to_list()
    elif hasattr(result, "numpy") and not isinstance(result, np.ndarray):
        result = result.numpy()
    rows = []
    for row in result:
        row = row.tolist() if isinstance(row, np.ndarray) else list(row)
        rows.append([v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in row])
    return rows
