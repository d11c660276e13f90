"""Adaptive pooling: pool to a fixed spatial `output_size` whatever the input size.

Keras (TF backend) pools output cell i of a length-L axis over [floor(i*L/O), ceil((i+1)*L/O)),
built from two stride-1 pools (windows ceil(L/O) and ceil(L/O)+1) and a gather. Every such window
has one of those two sizes, so the bins are exactly torch's adaptive-pooling bins: the layers run
torch's adaptive kernels on a channels-first view (a permute, no copy).
"""

import torch.nn.functional as F

from torchkeras import config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer

_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
_NAMES = {1: "1 integer", 2: "(height, width) tuple", 3: "(depth, height, width) tuple"}


def normalize_output_size(output_size, rank):
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        return (output_size,) * rank
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != rank:
            if rank == 1:
                raise ValueError(f"For 1D input, `output_size` tuple must have length 1. Received: {output_size}")
        else:
            return tuple(output_size)
    kind = "tuple of 1 integer" if rank == 1 else _NAMES[rank]
    raise TypeError(f"`output_size` must be an integer or {kind}. Received: {output_size} of type "
                    f"{type(output_size)}")


class BaseAdaptivePooling(Layer):
    """Shared base: `output_size` (int or tuple of `rank` ints) and `data_format`."""

    rank = None
    _fns = None

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = normalize_output_size(output_size, self.rank)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        fn = self._fns[self.rank]
        if self.data_format == "channels_first":
            return fn(inputs, self.output_size)
        nd = inputs.dim()
        y = fn(inputs.permute(0, nd - 1, *range(1, nd - 1)), self.output_size)
        return y.permute(0, *range(2, nd), 1)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"output_size": self.output_size, "data_format": self.data_format})
        return cfg


class BaseAdaptiveAveragePooling(BaseAdaptivePooling):
    _fns = _AVG


class BaseAdaptiveMaxPooling(BaseAdaptivePooling):
    _fns = _MAX
