"""IndexLookup: the vocabulary table behind StringLookup, IntegerLookup and TextVectorization.

Index layout (Keras's): [mask token (int mode only)] [num_oov_indices OOV slots] [tokens...].
The vocabulary lives in a Python dict; a `.keras` file stores a learned vocabulary as
`assets/<layer path>/vocabulary.txt` and tf_idf weights as the `idf_weights` variable, as Keras does.
"""

import os

import numpy as np
import torch

from torchkeras import config
from torchkeras.layers.preprocessing import _lookup_call
from torchkeras.layers.preprocessing._base import DataLayer, to_numpy
from torchkeras.layers.preprocessing._lookup_adapt import LookupAdaptMixin
from torchkeras.layers.preprocessing._lookup_vocab import VocabularyMixin

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def validate_string_arg(value, allowed, caller, arg, allow_none=False, allow_callables=False):
    if (allow_none and value is None) or (allow_callables and callable(value)) or (
            isinstance(value, str) and value in allowed):
        return
    raise ValueError(f"Unknown value for `{arg}` argument of {caller}. Allowed values are: {allowed}. "
                     f"Received: {arg}={value}")


def listify(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return x.tolist() if isinstance(x, np.ndarray) else x


class IndexLookup(VocabularyMixin, LookupAdaptMixin, DataLayer):
    """Maps tokens to indices (or back, with `invert=True`) through a vocabulary (see StringLookup)."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", name=None, salt=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        validate_string_arg(oov_method, ("floormod", "farmhash"), type(self).__name__, "oov_method")
        vocabulary_dtype = _dtype_name(vocabulary_dtype)
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(f"`salt` can only be used when `oov_method='farmhash'`. Received: oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"The `salt` argument for `IndexLookup` can only be a tuple of 2 integers, or a "
                                 f"single integer. Received: salt={salt}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        validate_string_arg(output_mode, _MODES, type(self).__name__, "output_mode")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError("`sparse` may only be true if `output_mode` is `'one_hot'`, `'multi_hot'`, `'count'` "
                             f"or `'tf_idf'`. Received: sparse={sparse} and output_mode={output_mode}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                             f"idf_weights={idf_weights} and output_mode={output_mode}")
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name)
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen_size
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._tokens, self._table, self._inverse = [], {}, {}
        self._idf = None
        if output_mode == "tf_idf":
            if has_input_vocabulary and idf_weights is None:
                raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, the "
                                 "`idf_weights` argument must also be provided.")
            if idf_weights is not None:
                self._set_idf(to_numpy(idf_weights))
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        if not has_input_vocabulary:
            self._init_adapt_state()

    # ---------------------------------------------------------------- vocabulary
    @property
    def compute_dtype(self):
        return self.vocabulary_dtype

    @property
    def variable_dtype(self):
        return self.vocabulary_dtype

    @property
    def idf_weights(self):
        return self._idf

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _normalize_tokens(self, values):
        """Tokens as the table's keys: Python str (decoded) or int."""
        if self.vocabulary_dtype == "string":
            enc = getattr(self, "encoding", "utf-8")
            return [v.decode(enc) if isinstance(v, (bytes, np.bytes_)) else str(v) for v in values]
        return [int(v) for v in values]

    def _set_tokens(self, tokens):
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._table = {t: start + i for i, t in enumerate(self._tokens)}

    def _set_idf(self, idf):
        self._idf = torch.as_tensor(np.asarray(idf), dtype=torch.float32)

    def vocabulary_size(self):
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        start = self._token_start_index()
        vocab = [self.oov_token] * start + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[start:]

    def _record_vocabulary_size(self):
        size = self.vocabulary_size()
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and size != self._frozen_vocab_size:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, the "
                               "vocabulary size cannot be changed after the layer is called. Old vocab size is "
                               f"{self._frozen_vocab_size}, new vocab size is {size}")
        self._frozen_vocab_size = size

    # ---------------------------------------------------------------- call
    def call(self, inputs):
        return _lookup_call.lookup(self, inputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def _output_dtype(self):
        if self.invert:
            return self.vocabulary_dtype
        return "int64" if self.output_mode == "int" else config.floatx()

    # ---------------------------------------------------------------- config and files
    def get_config(self):
        cfg = super().get_config()
        cfg.update({"invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
                    "oov_token": self.oov_token, "mask_token": self.mask_token, "output_mode": self.output_mode,
                    "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                    "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": listify(self.input_idf_weights),
                    "vocabulary": listify(self.input_vocabulary), "vocabulary_size": self._frozen_vocab_size,
                    "oov_method": self.oov_method, "salt": self.salt})
        return cfg

    def save_own_variables(self, store):
        if self.output_mode == "tf_idf" and self._idf is not None:
            store["idf_weights"] = self._idf.numpy()

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self._set_idf(np.asarray(store["idf_weights"]))

    def save_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self.vocabulary_dtype == "string" else [int(v) for v in lines]
        if self.output_mode == "tf_idf":
            self.set_vocabulary(values, idf_weights=self._idf.numpy() if self._idf is not None else None)
        else:
            self.set_vocabulary(values)


def _dtype_name(dtype):
    name = getattr(dtype, "name", None) or str(dtype).replace("torch.", "")
    return {"str": "string", "object": "string", "int": "int64"}.get(name, name)
