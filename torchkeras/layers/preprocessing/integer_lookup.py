"""IntegerLookup: integer features -> contiguous ids (or back) through a vocabulary."""

from torchkeras.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Maps integer features to contiguous indices (Keras's IntegerLookup).

    Args:
        max_tokens: maximum vocabulary size, special tokens included (None: unlimited).
        num_oov_indices: number of out-of-vocabulary slots; OOV values go to `value % num_oov_indices`
            (or are hashed with `oov_method="farmhash"`).
        mask_token: an integer that maps to index 0 (None: no mask).
        oov_token: the value returned for OOV ids when `invert=True` (default -1).
        vocabulary: a list/array of integers or the path of a text file (one a line).
        vocabulary_dtype: only "int64".
        idf_weights, invert, output_mode, sparse, pad_to_max_tokens, oov_method, salt: as StringLookup.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. Received: "
                             f"vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=vocabulary_dtype,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, salt=salt, name=name,
                         **kwargs)

    def adapt(self, data, steps=None):
        """Learn the vocabulary from `data` (integers: a list, an array or an iterable of batches)."""
        super().adapt(data, steps=steps)

    def get_config(self):
        cfg = super().get_config()
        for key in ("oov_token", "mask_token"):
            if cfg[key] is not None:
                cfg[key] = int(cfg[key])
        if cfg["vocabulary"] is not None:
            cfg["vocabulary"] = [int(v) for v in cfg["vocabulary"]]
        return cfg
