"""What the reshaping layers share: config entries read from attributes, the shape-only output spec,
and Keras's checks of count and tuple arguments."""

from torchkeras.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer


def positive_count(value, arg):
    """An int > 0 (`n` of RepeatVector, `size` of UpSampling1D), with Keras's TypeError/ValueError."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"Expected an integer value for `{arg}`, got {type(value)}. Received: {arg}={value!r}")
    if value <= 0:
        raise ValueError(f"Argument `{arg}` should be a positive integer. Received: {arg}={value}")
    return value


def as_tuple(value, error):
    """tuple(value); ValueError(error) when `value` is not iterable."""
    try:
        return tuple(value)
    except TypeError:
        raise ValueError(error) from None


class ReshapingLayer(Layer):
    """`_config_attrs`: the layer's config entries, each the attribute of that name."""

    _config_attrs = ()

    def get_config(self):
        cfg = super().get_config()
        cfg.update({name: getattr(self, name) for name in self._config_attrs})
        return cfg


class ShapeOnlyLayer(ReshapingLayer):
    """A layer whose output spec is its compute_output_shape with the input's dtype."""

    def compute_output_spec(self, inputs, *args, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)
