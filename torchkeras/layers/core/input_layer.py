"""InputLayer and Input(): the entry points of a functional model."""

import operator
import warnings

from torchkeras.keras_tensor import KerasTensor, Node
from torchkeras.layers.layer import Layer, _dtype_policy_name, standardize_shape


class InputLayer(Layer):
    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        if "input_shape" in kwargs:
            warnings.warn("Argument `input_shape` is deprecated. Use `shape` instead.", UserWarning, stacklevel=2)
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError("Argument `input_tensor` must be a KerasTensor. Received invalid type: "
                                 f"input_tensor={input_tensor!r} (of type {type(input_tensor)})")
            _check_matches_tensor(input_tensor, shape, batch_size, batch_shape, dtype, sparse)
            dtype = input_tensor.dtype
        super().__init__(name=name, dtype=dtype, **kwargs)
        if input_tensor is not None:
            batch_shape = input_tensor.shape
            sparse = getattr(input_tensor, "sparse", False)
        else:
            if shape is not None and batch_shape is not None:
                raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
            if batch_size is not None and batch_shape is not None:
                raise ValueError("You cannot pass both `batch_size` and `batch_shape` at the same time.")
            if shape is None and batch_shape is None:
                raise ValueError("You must pass a `shape` argument to Input, e.g. Input(shape=(784,)).")
        if input_tensor is None and shape is not None:
            batch_shape = (batch_size,) + _shape_tuple(shape)
        elif input_tensor is None:
            batch_shape = standardize_shape(_shape_tuple(batch_shape))
        for d in batch_shape:
            if d is not None and d < 0:
                raise ValueError(f"Input shape dimensions must be positive or None. Received batch_shape={batch_shape}")
        # torch has no sparse or ragged tensors: refuse them as Keras's torch backend does.
        if sparse:
            raise ValueError("`sparse=True` is not supported with the torch backend (torchkeras). "
                             "Pass dense tensors and drop `sparse=True`.")
        if ragged:
            raise ValueError("`ragged=True` is not supported with the torch backend (torchkeras). "
                             "Pad the sequences to one length (keras.utils.pad_sequences) and drop `ragged=True`.")
        self.ragged = False
        self.batch_shape = tuple(batch_shape)
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        if input_tensor is None:
            # a mixed policy's inputs are float32 (its variable dtype), as Keras's floatx() default
            input_tensor = KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name)
            node = Node(self, (), {}, input_tensor)
            input_tensor._keras_history = (node, 0)
            self._inbound_nodes.append(node)
        self.output_tensor = input_tensor

    def call(self, inputs=None):
        return inputs

    @property
    def output(self):
        return self.output_tensor

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self._dtype_name, "sparse": self.sparse,
                "ragged": self.ragged, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        cfg.pop("ragged", None)
        return cls(**cfg)


def _shape_tuple(shape):
    """Integer-like dims (numpy ints included) as Python ints; anything else is a clear error."""
    if isinstance(shape, (tuple, list)):
        try:
            return tuple(None if d is None else operator.index(d) for d in shape)
        except TypeError:
            pass
    if isinstance(shape, int):
        raise ValueError(
            f"Cannot convert {shape!r} to a shape: the `shape` of Input must be a tuple of integers or None "
            f"(without the batch dimension), e.g. shape=(784,). For a 1-D input write a 1-tuple with a "
            f"trailing comma: shape=({shape},).")
    raise ValueError(f"Cannot convert {shape!r} to a shape: the `shape` of Input must be a tuple of integers or "
                     "None (without the batch dimension), e.g. shape=(784,) or shape=(None, 32).")


def _check_matches_tensor(tensor, shape, batch_size, batch_shape, dtype, sparse):
    def bad(arg):
        return ValueError(f"When providing the `input_tensor` argument, you cannot provide an incompatible "
                          f"`{arg}` argument (input_tensor has shape {tensor.shape} and dtype {tensor.dtype}).")
    if batch_size is not None and (len(tensor.shape) < 1 or tensor.shape[0] != batch_size):
        raise bad("batch_size")
    if shape is not None and tuple(shape) != tuple(tensor.shape[1:]):
        raise bad("shape")
    if batch_shape is not None and tuple(batch_shape) != tuple(tensor.shape):
        raise bad("batch_shape")
    if dtype is not None and _dtype_policy_name(dtype) != tensor.dtype:
        raise bad("dtype")
    if sparse is not None and bool(getattr(tensor, "sparse", False)) != bool(sparse):
        raise bad("sparse")


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, **kwargs):
    """Create a symbolic input for the functional API: `x = Input(shape=(784,))`."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                       name=name, input_tensor=tensor, optional=optional, **kwargs)
    return layer.output_tensor
