"""HashedCrossing: the hashed cross of several categorical features (tf.sparse.cross_hashed's ids)."""

import numpy as np
import torch

from torchkeras.keras_tensor import torch_dtype
from torchkeras.layers.preprocessing import _hashing
from torchkeras.layers.preprocessing._base import DataLayer, output_device, to_numpy
from torchkeras.layers.preprocessing._encoding import encode


class HashedCrossing(DataLayer):
    """Crosses features of shape `()`, `(batch,)` or `(batch, 1)` into `num_bins` hashed bins.

    Args:
        num_bins: number of hash bins.
        output_mode: "int" (bin ids) or "one_hot".
        sparse: unsupported on torch (must stay False).
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"Unknown value for `output_mode`. Expected one of ('int', 'one_hot'). "
                             f"Received: output_mode={output_mode}")
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse

    def compute_output_shape(self, input_shape):
        if (len(input_shape) != 2 or not isinstance(input_shape[0], tuple)
                or not isinstance(input_shape[1], tuple)):
            raise ValueError(f"Expected as input a list/tuple of 2 tensors. Received input_shape={input_shape}")
        if input_shape[0][-1] != input_shape[1][-1]:
            raise ValueError("Expected the two input tensors to have identical shapes. "
                             f"Received input_shape={input_shape}")
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if first and first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        from torchkeras.keras_tensor import KerasTensor
        shapes = [tuple(t.shape) for t in inputs]
        return KerasTensor(self.compute_output_shape(shapes), dtype=self.compute_dtype)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of inputs. "
                             f"Received: inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError(f"`HashedCrossing` should be called on at least two inputs. Received: inputs={inputs}")
        device = output_device(inputs, self)
        arrays = [to_numpy(x) for x in inputs]
        first = arrays[0].shape
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError("All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                             f"`(batch_size, 1)`. Received: inputs={inputs}")
        if not all(a.shape == first for a in arrays[1:]):
            raise ValueError(f"All `HashedCrossing` inputs should have equal shape. Received: inputs={inputs}")
        if not all(a.dtype.kind in "iuUSO" for a in arrays):
            raise ValueError("All `HashedCrossing` inputs should have an integer or string dtype. "
                             f"Received: inputs={inputs}")
        ids = _hashing.cross_hash([a.reshape(-1) for a in arrays], self.num_bins).reshape(first)
        ids = torch.from_numpy(np.ascontiguousarray(ids))
        out = encode(ids, self.output_mode, self.num_bins, torch_dtype(self.compute_dtype))
        return out if device is None else out.to(device)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self._dtype_name}

