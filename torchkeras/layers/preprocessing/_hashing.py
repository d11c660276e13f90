"""String hashing with TensorFlow's exact ids.

`tf.strings.to_hash_bucket_fast` is FarmHash's Fingerprint64 of the UTF-8 bytes modulo the bucket
count; `to_hash_bucket_strong` is SipHash-2-4 keyed by two 64-bit integers (little-endian);
`tf.sparse.cross_hashed` chains the features' fingerprints with FingerprintCat64 from the seed
0xDECAFCAFFE. Non-string values are hashed as TF's `as_string` writes them.
"""

import struct

import numpy as np

_MASK = (1 << 64) - 1
_CAT_MUL = 0xC6A4A7935BD1E995
_CROSS_SEED = 0xDECAFCAFFE


def _farmhash():
    try:
        import farmhash
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise ImportError("Hashing layers need the `pyfarmhash` package (FarmHash, the hash TensorFlow "
                          "uses): `pip install pyfarmhash`.") from err
    return farmhash


def _siphash():
    try:
        import siphash24
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise ImportError("Salted hashing needs the `siphash24` package (SipHash-2-4, the keyed hash "
                          "TensorFlow uses): `pip install siphash24`.") from err
    return siphash24


def as_string(values):
    """TF's `as_string` for a numpy array: ints in decimal, floats first truncated to int64."""
    arr = np.asarray(values)
    if arr.dtype.kind in "US":
        return arr.astype(object) if arr.dtype.kind == "U" else \
            np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(arr)
    if arr.dtype.kind == "O":
        return arr
    if arr.dtype.kind == "b":
        return np.where(arr, "true", "false").astype(object)
    if arr.dtype.kind == "f":
        arr = arr.astype(np.int64)
    return arr.astype(np.int64).astype(str).astype(object)


def _bytes(s):
    return s if isinstance(s, bytes) else str(s).encode("utf-8")


def fingerprint64(strings):
    """FarmHash Fingerprint64 of each string of an object array, as a uint64 array."""
    fp = _farmhash().fingerprint64
    flat = [fp(_bytes(s)) for s in np.asarray(strings, dtype=object).reshape(-1)]
    return np.array(flat, dtype=np.uint64).reshape(np.shape(strings))


def keyed_hash(strings, key):
    """SipHash-2-4 of each string keyed by `key` (two int64), as a uint64 array."""
    sip = _siphash().siphash24
    packed = struct.pack("<qq", *(int(k) for k in key))
    flat = [int.from_bytes(sip(_bytes(s), key=packed).digest(), "little")
            for s in np.asarray(strings, dtype=object).reshape(-1)]
    return np.array(flat, dtype=np.uint64).reshape(np.shape(strings))


def hash_bucket(values, num_buckets, key=None):
    """to_hash_bucket_fast (key None) or to_hash_bucket_strong of TF's string form, int64 ids."""
    strings = as_string(values)
    hashed = fingerprint64(strings) if key is None else keyed_hash(strings, key)
    return (hashed % np.uint64(num_buckets)).astype(np.int64)


def _shift_mix(v):
    return v ^ (v >> 47)


def _fingerprint_cat64(fp1, fp2):
    result = fp1 ^ _CAT_MUL
    result ^= (_shift_mix((fp2 * _CAT_MUL) & _MASK) * _CAT_MUL) & _MASK
    result = (result * _CAT_MUL) & _MASK
    result = (_shift_mix(result) * _CAT_MUL) & _MASK
    return _shift_mix(result)


def cross_hash(columns, num_buckets):
    """tf.sparse.cross_hashed of dense 1-D columns (one value per row): int64 ids per row.

    A string feature enters as its Fingerprint64, an integer feature as its own value.
    """
    feats = []
    for col in columns:
        arr = np.asarray(col)
        if arr.dtype.kind in "USO":
            feats.append([int(v) for v in fingerprint64(as_string(arr))])
        else:
            feats.append([int(v) & _MASK for v in arr.astype(np.int64)])
    out = []
    for row in zip(*feats):
        h = _CROSS_SEED
        for f in row:
            h = _fingerprint_cat64(h, f)
        out.append(h % num_buckets)
    return np.array(out, dtype=np.int64)
