"""InputLayer and Input(): the entry points of a functional model."""

from torchkeras.keras_tensor import KerasTensor, Node
from torchkeras.layers.layer import Layer, standardize_shape


class InputLayer(Layer):
    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if shape is None and batch_shape is None and input_tensor is None:
            raise ValueError("You must pass a `shape` argument to Input, e.g. Input(shape=(784,)).")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(f"Argument `input_tensor` must be a KerasTensor. Received: {input_tensor!r}")
            batch_shape = input_tensor.shape
        elif shape is not None:
            if not isinstance(shape, (tuple, list)) or not all(
                    d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in shape):
                raise ValueError(
                    f"Cannot convert {shape!r} to a shape: the `shape` of Input must be a tuple of integers or None "
                    f"(without the batch dimension), e.g. shape=(784,). For a 1-D input write a 1-tuple with a "
                    f"trailing comma: shape=({shape},)." if isinstance(shape, int) else
                    f"Cannot convert {shape!r} to a shape: the `shape` of Input must be a tuple of integers or None "
                    "(without the batch dimension), e.g. shape=(784,) or shape=(None, 32).")
            batch_shape = (batch_size,) + tuple(shape)
        else:
            batch_shape = standardize_shape(batch_shape)
        for d in batch_shape:
            if d is not None and d < 0:
                raise ValueError(f"Input shape dimensions must be positive or None. Received batch_shape={batch_shape}")
        self.batch_shape = tuple(batch_shape)
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        if input_tensor is None:
            input_tensor = KerasTensor(self.batch_shape, dtype=self._dtype_name, name=self.name)
            node = Node(self, (), {}, input_tensor)
            input_tensor._keras_history = (node, 0)
            self._inbound_nodes.append(node)
        self.output_tensor = input_tensor

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self._dtype_name, "sparse": self.sparse,
                "ragged": False, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        cfg.pop("ragged", None)
        return cls(**cfg)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, **kwargs):
    """Create a symbolic input for the functional API: `x = Input(shape=(784,))`."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                       name=name, input_tensor=tensor, optional=optional, **kwargs)
    return layer.output_tensor
