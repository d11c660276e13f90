"""TextVectorization: raw strings -> standardized -> split -> ngrams -> vocabulary ids or encodings."""

import numpy as np
import torch

from torchkeras import config
from torchkeras.layers.preprocessing import _lookup_call, _text
from torchkeras.layers.preprocessing._base import DataLayer, output_device, to_strings
from torchkeras.layers.preprocessing._lookup_adapt import LookupAdaptMixin
from torchkeras.layers.preprocessing.index_lookup import listify, validate_string_arg
from torchkeras.layers.preprocessing.string_lookup import StringLookup

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class TextVectorization(LookupAdaptMixin, DataLayer):
    """Turns strings into token ids (`output_mode="int"`) or per-string vectors (multi_hot, count,
    tf_idf), with Keras's standardization, splitting, ngrams and vocabulary (learned by adapt()).

    Args:
        max_tokens: maximum vocabulary size, the mask ("") and OOV ("[UNK]") tokens included.
        standardize: "lower_and_strip_punctuation", "lower", "strip_punctuation", None, or a callable
            taking a numpy array of str.
        split: "whitespace", "character", None, or a callable.
        ngrams: None, an int n (1..n-grams) or a tuple of widths.
        output_mode: "int", "multi_hot", "count", "tf_idf" (or "one_hot").
        output_sequence_length: pad or truncate int outputs to this length.
        pad_to_max_tokens: make encoded outputs `max_tokens` wide.
        vocabulary: a list of strings or the path of a text file; idf_weights: for tf_idf.
        encoding: the encoding of byte-string inputs. sparse/ragged: unsupported on torch.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, **kwargs):
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if ragged:
            raise ValueError("`ragged=True` can only be used with the TensorFlow backend.")
        validate_string_arg(standardize, _STANDARDIZE, "TextVectorization", "standardize", allow_none=True,
                            allow_callables=True)
        validate_string_arg(split, ("whitespace", "character"), "TextVectorization", "split", allow_none=True,
                            allow_callables=True)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        validate_string_arg(output_mode, _MODES, "TextVectorization", "output_mode")
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool)) or (
                isinstance(ngrams, tuple) and all(isinstance(item, int) for item in ngrams))):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer when `output_mode` is "
                             f"'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                             f"Received output_sequence_length={output_sequence_length}.")
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._has_input_vocabulary = has_input_vocabulary
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode, sparse=sparse,
            has_input_vocabulary=has_input_vocabulary, encoding=encoding, vocabulary_size=vocabulary_size)

    # ------------------------------------------------------------------ text steps
    def _standardized(self, inputs):
        strings = to_strings(inputs, self._encoding)
        if self._standardize is None:
            return strings
        if callable(self._standardize):
            result = self._standardize(strings.astype(str) if strings.size else np.asarray(strings, dtype=str))
            return to_strings(result.numpy() if hasattr(result, "numpy") else result, self._encoding)
        return _text.standardize(strings, self._standardize)

    def _preprocess(self, inputs):
        """Strings -> token rows (a list of lists of str), or an array of str when `split` is None."""
        strings = self._standardized(inputs)
        if self._split is None:
            if self._ngrams is not None:
                flat = strings.reshape(-1, strings.shape[-1]) if strings.ndim else strings.reshape(1, 1)
                return [_text.ngrams(list(r), self._ngrams) for r in flat]
            return strings
        if strings.ndim > 1:
            if strings.shape[-1] != 1:
                raise ValueError("When using `TextVectorization` to tokenize strings, the input rank must be 1 or "
                                 f"the last shape dimension must be 1. Received: inputs.shape={strings.shape} with "
                                 f"rank={strings.ndim}")
            strings = strings.squeeze(-1)
        strings = strings.reshape(-1) if strings.ndim else strings.reshape(1)
        if self._split == "whitespace":
            rows = [_text.split_whitespace(s) for s in strings]
        elif self._split == "character":
            rows = [_text.split_characters(s) for s in strings]
        else:
            rows = _text.as_rows(self._split(strings.astype(str)))
        if self._ngrams is not None:
            rows = [_text.ngrams(r, self._ngrams) for r in rows]
        return rows

    # ------------------------------------------------------------------ adapt and vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and document frequencies for tf_idf) from strings: a list, an array,
        a dataset or any iterable of batches."""
        super().adapt(data, steps=steps)

    def update_state(self, data):
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ------------------------------------------------------------------ call
    def call(self, inputs):
        device = output_device(inputs, self)
        tokens = self._preprocess(inputs)
        scalar = self._split is not None and np.ndim(to_strings(inputs)) == 0
        lookup = self._lookup_layer
        if isinstance(tokens, np.ndarray):  # no split: a dense array of whole strings
            out = lookup.call(tokens)
            if self._output_mode == "int" and self._output_sequence_length is not None:
                length = self._output_sequence_length
                out = out[..., :length]
                if out.shape[-1] < length:
                    out = torch.nn.functional.pad(out, (0, length - out.shape[-1]))
            return out if device is None else out.to(device)
        if self._output_mode == "int":
            width = self._output_sequence_length
            if width is None:
                width = max((len(r) for r in tokens), default=0)
            out = torch.from_numpy(_lookup_call.encode_rows(lookup, tokens, width))
        else:
            out = self._encode_rows(tokens)
        if scalar:
            out = out[0]
        return out if device is None else out.to(device)

    def _encode_rows(self, rows):
        lookup = self._lookup_layer
        _lookup_call.check_known_size(lookup)
        # Pad ragged rows with -1: an id outside [0, depth) counts nowhere.
        width = max((len(r) for r in rows), default=0)
        ids = np.full((len(rows), width), -1, dtype=np.int64)
        for i, row in enumerate(rows):
            if row:
                ids[i, :len(row)] = _lookup_call.lookup_ids(lookup, np.array(row, dtype=object))
        return _lookup_call.encode_ids(lookup, torch.from_numpy(ids))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            return (input_shape[0] if input_shape else None, self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = input_shape + (1,)
        else:
            input_shape = input_shape + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def _graph_output_shape(self, input_shape):
        # In a tf.data graph the split tokens of each string collapse into one encoding, (batch, depth),
        # as TensorFlow's ops give it; compute_output_shape keeps Keras's answer for symbolic inputs.
        if self._output_mode == "int" or self._split is None:
            return self.compute_output_shape(input_shape)
        depth = self._lookup_layer.compute_output_shape((None, None))[-1]
        return (depth,) if not input_shape else (input_shape[0], depth)

    def _output_dtype(self):
        return "int64" if self._output_mode == "int" else config.floatx()

    # ------------------------------------------------------------------ config and files
    def get_config(self):
        lookup = self._lookup_layer
        cfg = super().get_config()
        cfg.update({"max_tokens": lookup.max_tokens, "standardize": self._standardize, "split": self._split,
                    "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                    "output_sequence_length": self._output_sequence_length,
                    "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": lookup.sparse, "ragged": self._ragged,
                    "vocabulary": listify(lookup.input_vocabulary), "idf_weights": listify(lookup.input_idf_weights),
                    "encoding": self._encoding, "vocabulary_size": self.vocabulary_size()})
        return cfg

    @classmethod
    def from_config(cls, cfg):
        from torchkeras.utils.serialization import deserialize_keras_object
        cfg = dict(cfg)
        for key in ("standardize", "split"):
            if cfg.get(key) is not None and not isinstance(cfg[key], str):
                cfg[key] = deserialize_keras_object(cfg[key])
        if isinstance(cfg.get("ngrams"), list):
            cfg["ngrams"] = tuple(cfg["ngrams"])
        return cls(**cfg)

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)
