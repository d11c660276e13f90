"""ReLU layer: relu with optional cap, threshold and negative slope."""

import numbers

from torchkeras import activations
from torchkeras.layers.layer import Layer


def _non_negative(value, arg, allow_none=False):
    if value is None and allow_none:
        return None
    if value is None or isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
        what = "a negative value" if allow_none else "None or a negative value"
        raise ValueError(f"{arg} of a ReLU layer cannot be {what}. Received: {arg}={value!r}. "
                         "Expected a float >= 0.")
    return value


class ReLU(Layer):
    """`f(x) = max_value if x >= max_value; x if threshold <= x < max_value;
    negative_slope * (x - threshold) otherwise` (Keras's formula).

    Args:
        max_value: float >= 0 or None (no cap).
        negative_slope: float >= 0.
        threshold: float >= 0.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative(max_value, "max_value", allow_none=True)
        self.negative_slope = _non_negative(negative_slope, "negative_slope")
        self.threshold = _non_negative(threshold, "threshold")
        self.supports_masking = True
        self.built = type(self).build is Layer.build  # as Keras: unless a subclass adds a build()

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                    "threshold": self.threshold})
        return cfg
