"""StringLookup: strings -> integer ids (or back) through a vocabulary given or learned by adapt()."""

from torchkeras.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Maps string features to integer indices (Keras's StringLookup).

    Args:
        max_tokens: maximum vocabulary size, special tokens included (None: unlimited).
        num_oov_indices: number of out-of-vocabulary slots; OOV strings are hashed among them.
        mask_token: a string that maps to index 0 (None: no mask).
        oov_token: the string returned for OOV ids when `invert=True`.
        vocabulary: a list/array of strings or the path of a text file (one token a line).
        idf_weights: inverse document frequencies (tf_idf mode with a given vocabulary).
        invert: map ids back to strings (returns nested Python lists of str, as Keras on torch).
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: make encoded outputs `max_tokens` wide.
        sparse: unsupported on torch (must stay False).
        encoding: the text encoding of byte-string inputs.
        salt: key for hashing OOV strings with SipHash instead of FarmHash.

    Inputs are Python lists, numpy str/bytes/object arrays (or a functional `Input(dtype="string")`);
    outputs are torch tensors (int64; float32 for tf_idf).
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def adapt(self, data, steps=None):
        """Learn the vocabulary from `data` (strings: a list, an array or an iterable of batches)."""
        super().adapt(data, steps=steps)

    def get_config(self):
        cfg = super().get_config()
        del cfg["vocabulary_dtype"]
        cfg["encoding"] = self.encoding
        return cfg
