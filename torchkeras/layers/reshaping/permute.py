"""Permute: reorders the non-batch axes, e.g. dims=(2, 1) swaps axes 1 and 2."""

from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.reshaping._base import ShapeOnlyLayer, as_tuple


class Permute(ShapeOnlyLayer):
    """`dims`: a permutation of 1..n (1-based; the batch axis stays first)."""

    _config_attrs = ("dims",)

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = as_tuple(dims, f"Argument `dims` of Permute must be a tuple of integers. Received: dims={dims!r}")
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                             f"must be consecutive and start from 1. Received dims={dims}")
        self.dims = tuple(int(d) for d in dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def call(self, inputs):
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)
