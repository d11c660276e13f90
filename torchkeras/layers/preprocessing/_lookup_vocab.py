"""set_vocabulary() for the lookup layers: Keras's checks (repeated terms, misplaced special tokens,
size), special tokens leading the list are recognised, idf weights padded as Keras pads them, and
vocabulary files read line by line as TensorFlow's text-file tables read them."""

import os

import numpy as np

from torchkeras.layers.preprocessing._base import to_numpy


class VocabularyMixin:
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list, array or file path; special tokens may lead it) and, in
        tf_idf mode, the `idf_weights`."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                             f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            self._vocabulary_from_file(vocabulary)
            return
        vocabulary = self._normalize_tokens(list(to_numpy(vocabulary).reshape(-1)) if not isinstance(
            vocabulary, (list, tuple)) else list(vocabulary))
        if not vocabulary:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        special = self._normalize_tokens([s for s in special]) if None not in special else special
        found_special = vocabulary[:start] == special
        tokens = vocabulary[start:] if found_special else vocabulary
        counts = {}
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
        repeated = [t for t, c in counts.items() if c > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please uniquify your dataset. "
                             f"The repeated terms are: {repeated}")
        self._check_reserved(vocabulary, tokens, special)
        new_size = start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary "
                             f"size is {new_size}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        self._record_vocabulary_size()
        if self.output_mode == "tf_idf" and idf_weights is not None:
            self._set_idf(self._padded_idf(to_numpy(idf_weights), len(vocabulary), found_special, start))

    def _check_reserved(self, vocabulary, tokens, special):
        for token, arg, applies in ((self.mask_token, "mask_token", True), (self.oov_token, "oov_token", self.invert)):
            if token is None or not applies:
                continue
            token = self._normalize_tokens([token])[0]
            if token in tokens:
                index = [i for i, v in enumerate(vocabulary) if v == token][-1]
                raise ValueError("Found reserved " + ("mask" if arg == "mask_token" else "OOV") + " token at "
                                 "unexpected location in `vocabulary`. Note that passed `vocabulary` does not need "
                                 "to include the OOV and mask tokens. Either remove all mask and OOV tokens, or "
                                 "include them only at the start of the vocabulary in precisely this order: "
                                 f"{special}. Received: {arg}={token} at vocabulary index [{index}]")

    def _padded_idf(self, idf, vocab_len, found_special, start):
        if len(idf) != vocab_len:
            raise ValueError(f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is {len(idf)}; "
                             f"len(vocabulary) is {vocab_len}")
        if idf.ndim != 1:
            raise ValueError(f"TF-IDF data must be a 1-index array. Received: type(idf_weights)={type(idf)}")
        front, front_value = (0, 0) if found_special else (start, np.average(idf))
        back = self.max_tokens - front - len(idf) if self.pad_to_max_tokens and self.max_tokens is not None else 0
        return np.pad(idf, (front, back), "constant", constant_values=(front_value, 0)).astype(np.float32)

    def _vocabulary_from_file(self, path):
        from torchkeras.saving import serialization_lib
        if getattr(serialization_lib._state, "safe_mode", None) is True:
            raise ValueError("Requested the loading of a vocabulary file outside of the model archive. This carries "
                             "a potential risk of loading arbitrary and sensitive files and thus it is disallowed by "
                             "default. If you trust the source of the artifact, you can override this error by "
                             "passing `safe_mode=False` to the loading function, or calling "
                             f"`keras.config.enable_unsafe_deserialization(). Vocabulary file: '{path}'")
        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from file.")
        with open(path, encoding=getattr(self, "encoding", "utf-8")) as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        # As TF's text-file table: every line is a token, special tokens included, none checked.
        self._set_tokens(self._normalize_tokens(lines))
        self._record_vocabulary_size()
