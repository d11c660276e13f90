"""adapt() for the lookup layers: token counts -> vocabulary (and document frequencies for tf_idf).

Keras's order: tokens by decreasing count, ties by decreasing token; the mask and OOV tokens
never enter the learned vocabulary; `max_tokens` counts the special tokens too.
"""

import collections

import numpy as np
import torch

from torchkeras.layers.preprocessing._base import ARRAYS_AND_LISTS, iter_batches


def rows_of(data):
    """A batch as a list of rows (each a list of tokens): rank 0 -> one row of one token, rank 1 ->
    one row, rank >= 2 -> one row per entry of the first axis. Ragged lists of lists are rows."""
    if isinstance(data, list) and data and all(isinstance(r, (list, tuple, np.ndarray)) for r in data):
        lengths = {len(r) for r in data}
        if len(lengths) > 1 or any(isinstance(r, np.ndarray) and r.ndim > 1 for r in data):
            return [list(np.asarray(r).reshape(-1)) for r in data]
    arr = data if isinstance(data, np.ndarray) else np.asarray(
        data.detach().cpu().numpy() if isinstance(data, torch.Tensor) else data)
    if arr.ndim == 0:
        return [[arr.item()]]
    if arr.ndim == 1:
        return [list(arr)]
    return [list(r.reshape(-1)) for r in arr]


class LookupAdaptMixin:
    """State and methods for learning a vocabulary; the layer provides `_normalize_tokens`."""

    def _init_adapt_state(self):
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def adapt(self, data, steps=None):
        self.reset_state()
        if isinstance(data, ARRAYS_AND_LISTS) or isinstance(data, np.generic):
            if _is_empty(data):
                raise ValueError(f"adapt() received empty data for layer '{self.name}': no tokens to build a "
                                 "vocabulary from. Pass at least one value.")
            arr = data if not isinstance(data, torch.Tensor) else data.detach().cpu().numpy()
            if not isinstance(arr, list) or not arr or not isinstance(arr[0], (list, tuple, np.ndarray)):
                arr = np.asarray(arr)
                if arr.ndim == 1:
                    arr = arr[:, None]
            self.update_state(arr)
        else:
            seen = False
            for batch in iter_batches(data, steps, whole=()):
                seen = True
                self.update_state(batch)
            if not seen:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at least one batch. "
                                 "Pass a non-empty iterable of arrays or tensors, e.g. layer.adapt([x]) or "
                                 "layer.adapt(list_of_batches).")
        self.finalize_state()

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                             "`vocabulary` argument or `set_vocabulary()` method.")
        rows = [self._normalize_tokens(r) for r in rows_of(data)]
        for r in rows:
            self._token_counts.update(r)
        if self.output_mode == "tf_idf":
            for r in rows:
                self._document_counts.update(set(r))
            self._num_documents += len(rows)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._token_counts:
            self._record_vocabulary_size()
            return
        counts = dict(self._token_counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._normalize_tokens([special])[0], None)
        tokens = list(counts)
        # Decreasing count, ties by decreasing token (Keras's lexsort, reversed).
        tokens.sort(key=_sort_key, reverse=True)
        tokens.sort(key=lambda t: counts[t], reverse=True)
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            doc_counts = np.array([self._document_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1 + self._num_documents / (1 + doc_counts)).astype(np.float32)
            front = np.full(self._token_start_index(), np.mean(idf, dtype=np.float32), dtype=np.float32)
            idf = np.concatenate([front, idf])
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size))
            self._set_idf(idf)
        self.reset_state()
        self._record_vocabulary_size()

    def reset_state(self):
        if self._has_input_vocabulary:
            return
        self._init_adapt_state()


def _sort_key(token):
    # Keras sorts the raw bytes of string tokens; UTF-8 byte order is code point order.
    return token.encode("utf-8") if isinstance(token, str) else token


def _is_empty(data):
    if isinstance(data, (str, bytes, np.generic)):
        return False
    if isinstance(data, (list, tuple)):
        return len(data) == 0 or all(isinstance(r, (list, tuple)) and len(r) == 0 for r in data)
    return data.size == 0 if isinstance(data, np.ndarray) else data.numel() == 0
