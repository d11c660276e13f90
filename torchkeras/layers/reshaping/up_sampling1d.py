"""UpSampling1D: repeats each step `size` times along the steps axis."""

from torchkeras.layers.reshaping._spatial import UpSamplingBase


class UpSampling1D(UpSamplingBase):
    """Input (batch, steps, features) -> (batch, steps * size, features). Keras's UpSampling1D has no data_format.

    Args:
        size: positive int, the repetition factor.
    """

    _rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}. Received: size={size!r}")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size}")
        self.size = size
        self._size = (size,)
        self._init_spatial("channels_last")

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"size": self.size})
        return cfg
