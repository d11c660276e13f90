"""SpectralNormalization: wraps a layer and divides its kernel by its largest singular value.

The singular value is estimated by power iteration (Miyato et al. 2018) from the persistent
non-trainable `vector_u`. As Keras, a training call WRITES the normalised kernel into the wrapped
layer's kernel (and the new u into vector_u) before running the layer; the gradient then reaches
the kernel as a plain weight of the layer, not through sigma. Inference calls run the layer as is.
"""

import torch

from torchkeras import initializers
from torchkeras.layers.core.wrapper import Wrapper
from torchkeras.layers.input_spec import InputSpec
from torchkeras.utils import serialization
from torchkeras.variables import Variable

_INV_NORM_CAP = 1.0 / 1e-7  # keras.ops.normalize caps rsqrt(sum x^2) at 1 / backend.epsilon()


def _normalize(x):
    return x * torch.clamp(torch.rsqrt(x.square().sum()), max=_INV_NORM_CAP)


def _alias(v):
    """A second handle on the wrapped kernel, saved among the wrapper's own variables as Keras does;
    it carries no regularizer or constraint so that neither is applied twice."""
    if isinstance(v, Variable):
        return Variable(v._owner, v._attr, v.name, layer=v._layer, to_keras=v._to_keras, to_torch=v._to_torch,
                        trainable=v._trainable, assign_fn=v._assign_fn)
    layer = v.__dict__["_keras_layer"]()
    return Variable(layer, next(k for k, p in layer._parameters.items() if p is v), v.name, layer=layer)


class SpectralNormalization(Wrapper):
    """Spectral normalization of `layer`'s `kernel` (or `embeddings`).

    Args:
        layer: a Layer with a `kernel` or `embeddings` weight (Dense, Conv*, Embedding, ...).
        power_iterations: power-iteration steps per training call (> 0, default 1).
    Weights (Keras order): the wrapped kernel, vector_u (1, kernel.shape[-1], non-trainable), then the
    wrapped layer's other weights.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        if not self.layer.built:
            self.layer._device_cache = self._device_cache
            self.layer._maybe_build(input_shape)
            # As Keras's Wrapper (a direct build call): the wrapped layer records no build config of
            # its own, the wrapper's rebuilds it.
            self.layer._build_shapes = None
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if getattr(self.layer, "kernel", None) is not None:
            kernel = self.layer.kernel
        elif getattr(self.layer, "embeddings", None) is not None:
            kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        self._wrapped_kernel = kernel
        self._keras_vars.append(_alias(kernel))
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
                                        name="vector_u", dtype=kernel.dtype)

    @property
    def kernel(self):
        return self._wrapped_kernel

    @property
    def weights(self):
        kernel = self._wrapped_kernel
        rest = [v for v in self.layer.weights if v is not kernel]
        return [kernel, self.vector_u] + rest

    variables = weights

    def normalized_weights(self):
        """(new vector_u, normalised kernel), both in Keras layout, computed without gradient."""
        with torch.no_grad():
            kernel = self._wrapped_kernel.value
            w = kernel.reshape(-1, self.kernel_shape[-1])
            u = self.vector_u.detach().to(w.dtype)
            for _ in range(self.power_iterations):
                v = _normalize(u @ w.T)
                u = _normalize(v @ w)
            sigma = (v @ w) @ u.T
            return u.to(self.vector_u.dtype), (kernel / sigma).reshape(self.kernel_shape).to(kernel.dtype)

    def call(self, inputs, training=False):
        if training:
            with torch.no_grad():
                kernel = self._wrapped_kernel.value
                new_u, new_kernel = self.normalized_weights()
                # An all-zero kernel stays as it is (sigma would be 0); no host sync for the test.
                zero = torch.all(kernel == 0)
                self.vector_u.copy_(torch.where(zero, self.vector_u, new_u))
                self._wrapped_kernel.assign(torch.where(zero, kernel, new_kernel))
        output = self.layer(inputs)
        return output.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg["layer"] = serialization.serialize_keras_object(self.layer)
        cfg["power_iterations"] = self.power_iterations
        return cfg

