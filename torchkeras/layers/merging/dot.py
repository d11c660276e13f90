"""Dot: batchwise dot product of two tensors along the given axes."""

import torch

from torchkeras import config
from torchkeras.layers.merging.base_merge import Merge


def _l2_normalize(x, axis):
    # Keras: x * min(rsqrt(sum(x^2)), 1/epsilon)
    inv = torch.rsqrt(torch.sum(x * x, dim=axis, keepdim=True))
    return x * torch.clamp(inv, max=1.0 / config.epsilon())


def batch_dot(x, y, axes):
    """Contract x's axis axes[0] with y's axis axes[1] per sample: the result has x's other axes, then
    y's other non-batch axes; a rank-1 result becomes (batch, 1)."""
    a0, a1 = axes
    xm = torch.movedim(x, a0, -1)
    ym = torch.movedim(y, a1, 1)
    x_mid, y_tail = xm.shape[1:-1], ym.shape[2:]
    b, k = xm.shape[0], xm.shape[-1]
    out = torch.matmul(xm.reshape(b, -1, k), ym.reshape(b, k, -1))
    out_shape = (b,) + tuple(x_mid) + tuple(y_tail)
    if len(out_shape) == 1:
        out_shape += (1,)
    return out.reshape(out_shape)


class Dot(Merge):
    """Dot product of samples from two tensors.

    Args:
        axes: int or pair of ints, the axis of each input to contract (not 0, the batch axis).
        normalize: L2-normalise both inputs along the contracted axis first (cosine proximity).
    Output: x's remaining axes followed by y's remaining non-batch axes; (batch, 1) if none remain.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Invalid type for argument `axes`: it should be a list or an int. "
                                f"Received: axes={axes!r}")
            if len(axes) != 2:
                raise ValueError(f"Invalid format for argument `axes`: it should contain two elements. "
                                 f"Received: axes={axes!r}")
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: list elements should be integers. "
                                 f"Received: axes={axes!r}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _resolve_axes(self, rank1, rank2):
        if isinstance(self.axes, int):
            pair = (self.axes, self.axes)
        else:
            pair = tuple(self.axes)
        return (pair[0] % rank1 if pair[0] < 0 else pair[0], pair[1] % rank2 if pair[1] < 0 else pair[1])

    def _check_two(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or \
                not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={input_shape}")

    def build(self, input_shape):
        self._check_two(input_shape)
        shape1, shape2 = (tuple(s) for s in input_shape)
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
                             f"{shape1} and {shape2}.")
        a0, a1 = self._resolve_axes(len(shape1), len(shape2))
        if not (0 <= a0 < len(shape1) and 0 <= a1 < len(shape2)):
            raise ValueError(f"Dot axes {self.axes} are out of range for input shapes {shape1} and {shape2}.")
        if 0 in (a0, a1):
            raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy "
                             "batch dimension to your inputs using keras.ops.expand_dims(x, 0)")
        if shape1[a0] != shape2[a1]:
            raise ValueError(f"Incompatible input shapes: axis values {shape1[a0]} (at axis {a0}) != {shape2[a1]} "
                             f"(at axis {a1}). Full input shapes: {shape1}, {shape2}")
        self.built = True

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            n = len(inputs) if isinstance(inputs, (list, tuple)) else "a single tensor, not a list of"
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: {n} inputs")
        x1, x2 = inputs
        axes = self._resolve_axes(x1.dim(), x2.dim())
        if self.normalize:
            x1 = _l2_normalize(x1, axes[0])
            x2 = _l2_normalize(x2, axes[1])
        return batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        self._check_two(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        a0, a1 = self._resolve_axes(len(shape1), len(shape2))
        shape1.pop(a0)
        shape2.pop(a1)
        shape2.pop(0)
        out = shape1 + shape2
        if len(out) == 1:
            out.append(1)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"axes": self.axes, "normalize": self.normalize})
        return cfg


def dot(inputs, axes=-1, **kwargs):
    """Functional interface to `Dot` (`normalize=` goes through kwargs)."""
    return Dot(axes=axes, **kwargs)(inputs)
