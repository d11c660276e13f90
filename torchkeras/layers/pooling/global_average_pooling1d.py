"""GlobalAveragePooling1D (Keras `keras.layers.GlobalAveragePooling1D`), mask-aware."""

from torchkeras.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps axis. Args: data_format, keepdims: as Keras.

    With a mask (batch, steps) - given as `mask=` or carried by the input tensor's `_keras_mask`, e.g.
    after Embedding(mask_zero=True) - the mean is over the unmasked steps only. The output has no mask.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        inputs = self._float_inputs(inputs)
        axis = self._axes[0]
        if mask is None:
            return inputs.mean(dim=axis, keepdim=self.keepdims)
        # The mask broadcasts over channels; masked steps contribute nothing (even NaNs).
        m = mask.bool().unsqueeze(2 if self.data_format == "channels_last" else 1)
        total = inputs.masked_fill(~m, 0).sum(dim=axis, keepdim=self.keepdims)
        return total / m.to(inputs.dtype).sum(dim=axis, keepdim=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None
