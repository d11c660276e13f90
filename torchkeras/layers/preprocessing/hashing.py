"""Hashing: strings or integers -> bin ids with TensorFlow's hash (FarmHash / salted SipHash)."""

import numpy as np
import torch

from torchkeras import config
from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.preprocessing import _hashing
from torchkeras.layers.preprocessing._base import DataLayer, output_device, to_numpy
from torchkeras.layers.preprocessing._encoding import encode

_MODES = ("int", "one_hot", "multi_hot", "count")


def standardize_salt(salt, caller):
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return list(salt)
    if isinstance(salt, int) and not isinstance(salt, bool):
        return [salt, salt]
    raise ValueError(f"The `salt` argument for `{caller}` can only be a tuple of size 2 integers, or a "
                     f"single integer. Received: salt={salt}.")


class Hashing(DataLayer):
    """Hashes and bins categorical features: ids equal `tf.strings.to_hash_bucket_fast` (FarmHash
    Fingerprint64), or `to_hash_bucket_strong` (SipHash) when `salt` is set.

    Args:
        num_bins: number of hash bins (one of them is the mask bin when `mask_value` is set).
        mask_value: a value that maps to bin 0.
        salt: an int or two ints: use the keyed (salted) hash.
        output_mode: "int", "one_hot", "multi_hot" or "count".
        sparse: unsupported on torch (must stay False).
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else config.floatx()
        super().__init__(**kwargs)
        if num_bins is None or isinstance(num_bins, bool) or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                             f"Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer type, \'int32\' or '
                             f"'in64'. Received: dtype={kwargs['dtype']}")
        if output_mode not in _MODES:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of {_MODES}. "
                             f"Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError('`sparse` may only be true if `output_mode` is `"one_hot"`, `"multi_hot"`, or '
                             f'`"count"`. Received: sparse={sparse} and output_mode={output_mode}')
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.salt = standardize_salt(salt, "Hashing")
        self.output_mode = output_mode
        self.sparse = sparse

    def _hash_to_bins(self, values):
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = _equal(values, self.mask_value)
        ids = _hashing.hash_bucket(values, bins, self.salt)
        if mask is not None:
            ids = np.where(mask, 0, ids + 1)
        return ids

    def call(self, inputs):
        device = output_device(inputs, self)
        values = to_numpy(inputs)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values.squeeze(-1)
        ids = torch.from_numpy(np.ascontiguousarray(self._hash_to_bins(values)))
        out = encode(ids, self.output_mode, self.num_bins, torch_dtype(self.dtype))
        return out if device is None else out.to(device)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if not input_shape:
            return (self.num_bins,)
        return input_shape[:-1] + (self.num_bins,)

    def _output_dtype(self):
        return self.dtype

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                    "output_mode": self.output_mode, "sparse": self.sparse})
        return cfg


def _equal(values, target):
    """Elementwise `values == target` for string or numeric arrays (False where types differ)."""
    if values.dtype.kind in "USO":
        strings = _hashing.as_string(values)
        target = target.decode("utf-8") if isinstance(target, bytes) else target
        return np.array([s == target for s in strings.reshape(-1)], dtype=bool).reshape(values.shape)
    if isinstance(target, (str, bytes)):
        return np.zeros(values.shape, dtype=bool)
    return values == target
