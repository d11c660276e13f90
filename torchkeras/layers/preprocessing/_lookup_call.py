"""The call of the lookup layers: tokens -> ids (host side, a dict) -> encoded torch tensors."""

import numpy as np
import torch

from torchkeras.layers.preprocessing import _hashing
from torchkeras.layers.preprocessing._base import output_device, to_numpy, to_strings
from torchkeras.layers.preprocessing._encoding import encode

_INT64_MAX = np.iinfo(np.int64).max


def _keys(layer, inputs):
    if layer.vocabulary_dtype == "string":
        return to_strings(inputs, getattr(layer, "encoding", "utf-8"))
    arr = to_numpy(inputs)
    if arr.dtype.kind in "USO":
        raise ValueError(f"Layer '{layer.name}' looks up integers (vocabulary_dtype={layer.vocabulary_dtype}) but "
                         f"received strings: {arr.dtype}. Use StringLookup for string features.")
    return arr.astype(np.int64)


def _oov_ids(layer, oov_keys):
    n = layer.num_oov_indices
    if layer.vocabulary_dtype != "string" and layer.oov_method != "farmhash":
        ids = np.mod(oov_keys.astype(np.int64), n)
    else:
        ids = _hashing.hash_bucket(oov_keys, n, layer.salt)
    return ids + layer._oov_start_index()


def lookup_ids(layer, keys):
    """Token keys (numpy) -> int64 ids with Keras's mask and OOV rules."""
    flat = keys.reshape(-1)
    num_oov = layer.num_oov_indices
    default = layer._oov_start_index() if num_oov == 1 else -1
    table = layer._table
    ids = np.fromiter((table.get(k, default) for k in flat), dtype=np.int64, count=flat.size)
    if layer.mask_token is not None:
        mask_key = layer._normalize_tokens([layer.mask_token])[0]
        is_mask = np.fromiter((k == mask_key for k in flat), dtype=bool, count=flat.size)
        ids[is_mask] = 0 if layer.output_mode == "int" else _INT64_MAX
    if num_oov == 0:
        missing = ids == -1
        if missing.any():
            raise ValueError("When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                             f"{list(flat[missing])}, consider setting `num_oov_indices=1`.")
    elif num_oov > 1:
        missing = ids == -1
        if missing.any():
            ids[missing] = _oov_ids(layer, flat[missing])
    return ids.reshape(keys.shape)


def _invert(layer, inputs):
    ids = to_numpy(inputs).astype(np.int64)
    start, tokens = layer._token_start_index(), layer._tokens
    out = np.empty(ids.shape, dtype=object)
    out_flat = out.reshape(-1)
    for i, v in enumerate(ids.reshape(-1)):
        if layer.mask_token is not None and v == 0:
            out_flat[i] = layer.mask_token
        elif start <= v < start + len(tokens):
            out_flat[i] = tokens[v - start]
        else:
            out_flat[i] = layer.oov_token
    if layer.vocabulary_dtype == "string":
        # As Keras on torch: strings come back as (nested) Python lists.
        return out.tolist()
    device = output_device(inputs, layer)
    result = torch.from_numpy(out.astype(np.int64))
    return result if device is None else result.to(device)


def check_known_size(layer):
    if layer.output_mode != "int" and not layer.pad_to_max_tokens and layer._frozen_vocab_size is None:
        raise RuntimeError(f"When using `output_mode={layer.output_mode}` and `pad_to_max_tokens=False`, you must "
                           "set the layer's vocabulary before calling it. Either pass a `vocabulary` argument to "
                           "the layer, or call `adapt` with some sample data.")


def encode_ids(layer, ids):
    """Looked-up ids (a torch int64 tensor) -> the layer's output_mode encoding."""
    if layer.output_mode == "int":
        return ids
    depth = layer.max_tokens if layer.pad_to_max_tokens else layer._frozen_vocab_size
    mode = "count" if layer.output_mode == "tf_idf" else layer.output_mode
    out = encode(ids, mode, depth, torch.int64)
    if layer.output_mode == "tf_idf":
        if layer._idf is None:
            raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be provided.")
        out = out.to(torch.float32) * layer._idf.to(out.device)
    return out


def lookup(layer, inputs):
    if layer.invert:
        return _invert(layer, inputs)
    check_known_size(layer)
    device = output_device(inputs, layer)
    keys = _keys(layer, inputs)
    scalar = keys.ndim == 0
    if scalar:
        keys = keys.reshape(1)
    ids = torch.from_numpy(lookup_ids(layer, keys))
    if layer.output_mode == "int" and scalar:
        ids = ids.reshape(())
    out = encode_ids(layer, ids)
    return out if device is None else out.to(device)


def encode_rows(layer, rows, width):
    """Ragged token rows -> a padded (len(rows), width) int64 id matrix (0 pads, as Keras's to_tensor)."""
    out = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        if row:
            ids = lookup_ids(layer, np.array(row[:width], dtype=object))
            out[i, :len(ids)] = ids
    return out
