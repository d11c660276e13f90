"""Keras 2's `keras.engine` modules (topology, training, base_layer, ...): the classes they held."""

from torchkeras.layers import Input, InputSpec, Layer
from torchkeras.layers.core.input_layer import InputLayer
from torchkeras.models import Functional, Model, Sequential

__all__ = ["Functional", "Input", "InputLayer", "InputSpec", "Layer", "Model", "Sequential"]
