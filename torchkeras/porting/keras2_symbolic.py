"""Keras 2's graph-mode losses: a loss function applied to symbolic tensors and `model.add_loss(tensor)`.

Keras 2 scripts (the VAE examples) build their loss from the model's own symbolic tensors,
`vae.add_loss(K.mean(binary_crossentropy(inputs, outputs) + kl))`, and compile without a `loss`.
Keras 3 dropped this (its losses need eager values, and `add_loss` outside `call()` is not tracked).
Here a loss function called on KerasTensors is recorded as an op of the graph, and `add_loss` of such
a tensor keeps a functional model from the model's inputs to that tensor, sharing the model's layers;
`compute_loss` adds its value on each batch, so fit / evaluate minimise and report it as Keras 2 did.
"""

import functools

from torchkeras.keras_tensor import KerasTensor, any_symbolic, record_op


def symbolic_aware(fn):
    """`fn`, recorded as a graph op when any argument is a KerasTensor (Keras 2's graph-mode losses)."""
    if getattr(fn, "_k2_symbolic", False) or isinstance(fn, type) or not callable(fn):
        return fn

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if any_symbolic((args, kwargs)):
            return record_op(fn, args, kwargs)
        return fn(*args, **kwargs)

    wrapper._k2_symbolic = True
    return wrapper


def _symbolic_losses(model):
    return model.__dict__.setdefault("_k2_symbolic_losses", [])


def add_loss(original):
    @functools.wraps(original)
    def wrapper(self, loss):
        if isinstance(loss, KerasTensor):
            from torchkeras.models import Model

            # Kept out of the module tree (in __dict__): its layers are the model's own, counted once.
            _symbolic_losses(self).append(Model(self.inputs, loss))
            return None
        return original(self, loss)

    wrapper._k2_symbolic = True
    return wrapper


def compute_loss(original):
    @functools.wraps(original)
    def wrapper(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        graph_losses = self.__dict__.get("_k2_symbolic_losses")
        if not graph_losses:
            return original(self, x, y, y_pred, sample_weight, training=training)
        total = sum(m(x, training=training).float().mean() for m in graph_losses)
        if self._compile_loss is None and not self.losses:
            return total
        return original(self, x, y, y_pred, sample_weight, training=training) + total

    wrapper._k2_symbolic = True
    return wrapper


def attach(model_cls):
    """Route `add_loss` of a symbolic tensor and the losses it adds through `model_cls` (idempotent)."""
    for name, make in (("add_loss", add_loss), ("compute_loss", compute_loss)):
        current = getattr(model_cls, name)
        if not getattr(current, "_k2_symbolic", False):
            setattr(model_cls, name, make(current))
