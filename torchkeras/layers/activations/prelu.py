"""PReLU layer: leaky ReLU with a learned slope per element (or shared along `shared_axes`)."""

import torch

from torchkeras import constraints, initializers, regularizers
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


class PReLU(Layer):
    """`f(x) = x if x >= 0 else alpha * x`, alpha of shape input_shape[1:] with each axis of
    `shared_axes` (1-based, batch excluded) reduced to 1.

    Args:
        alpha_initializer: default "Zeros" (Keras's default).
        alpha_regularizer, alpha_constraint: as Keras.
        shared_axes: int or list of ints; e.g. (1, 2) for images (batch, h, w, c) shares alpha over space.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        for ax in self.shared_axes or []:
            if isinstance(ax, bool) or not isinstance(ax, int):
                raise ValueError(f"`shared_axes` must be integers (input axes, 1-based with the batch axis 0 "
                                 f"excluded). Received: shared_axes={shared_axes!r}")
        self.supports_masking = True
        if self._batch_input_shape is not None:
            self._maybe_build(self._batch_input_shape)

    def build(self, input_shape):
        ndim = len(input_shape)
        param_shape = list(input_shape[1:])
        for ax in self.shared_axes or []:
            if not 1 <= ax < ndim:
                raise ValueError(f"PReLU {self.name!r}: every entry of `shared_axes` must be an input axis between "
                                 f"1 and {ndim - 1}. Received: shared_axes={self.shared_axes} for input shape "
                                 f"{tuple(input_shape)}.")
            param_shape[ax - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU {self.name!r} needs every non-shared input axis to be known to size alpha. "
                             f"Received input_shape={tuple(input_shape)}, shared_axes={self.shared_axes}; add the "
                             "unknown axes to `shared_axes`.")
        self.alpha = self.add_weight(shape=tuple(param_shape), name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        shared = set(self.shared_axes or [])
        self.input_spec = InputSpec(ndim=ndim, axes={i: input_shape[i] for i in range(1, ndim) if i not in shared})

    def call(self, inputs):
        alpha = self.alpha if self.alpha.dtype == inputs.dtype else self.alpha.to(inputs.dtype)
        return torch.relu(inputs) - alpha * torch.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return cfg
