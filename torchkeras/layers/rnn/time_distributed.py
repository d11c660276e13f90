"""TimeDistributed: applies a layer to every temporal slice of a (batch, time, ...) input."""

from torchkeras.layers.core.wrapper import Wrapper
from torchkeras.layers.layer import Layer


class TimeDistributed(Wrapper):
    """Runs `layer` on the input reshaped to (batch * time, ...) and restores (batch, time, ...).

    The wrapped layer sees one merged batch, which is what Keras computes and what the fused torch ops
    want. A mask (batch, time) passes through unchanged.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _inner_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                             f"dimensions, received: {input_shape}")
        return (None,) + tuple(input_shape[2:])

    def build(self, input_shape):
        inner = self._inner_shape(input_shape)
        if not self.layer.built:
            self.layer._device_cache = self._device_cache
            self.layer._maybe_build(inner)

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape(self._inner_shape(input_shape))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def call(self, inputs, training=None, mask=None):
        b, t = inputs.shape[0], inputs.shape[1]
        has_training, has_mask = self.layer._call_args()
        kwargs = {"training": training} if has_training else {}
        if mask is not None:
            _check_mask(mask, inputs)
            if has_mask:  # as Keras: the inner layer sees each time step's slice of the mask
                kwargs["mask"] = mask.reshape((b * t,) + tuple(mask.shape[2:]))
        y = self.layer(inputs.reshape((b * t,) + tuple(inputs.shape[2:])), **kwargs)
        return y.reshape((b, t) + tuple(y.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return mask


def _check_mask(mask, inputs):
    if mask.dim() < 2:
        raise ValueError("The `mask` passed to the `TimeDistributed` layer must be at least 2D (e.g., "
                         f"`(batch_size, timesteps)`), but it has {mask.dim()} dimension(s) with shape "
                         f"{tuple(mask.shape)}.")
    if tuple(mask.shape[:2]) != tuple(inputs.shape[:2]):
        raise ValueError(f"The `mask` passed to the `TimeDistributed` layer has a shape {tuple(mask.shape)} that is "
                         f"incompatible with the input shape {tuple(inputs.shape)}. The first two dimensions of the "
                         "mask (batch size and timesteps) must match the input's first two dimensions. Expected "
                         f"mask shape prefix: ({inputs.shape[0]}, {inputs.shape[1]}).")
