"""The mask a layer attaches to its output (Keras's `backend.get_keras_mask` / `set_keras_mask`).

torchkeras keeps it where Keras does, as the tensor's `_keras_mask` attribute: losses, metrics and
the next layer's `mask` argument read it from there.
"""


def set_keras_mask(x, mask):
    """Attach `mask` to tensor `x` in place; `mask=None` removes any mask."""
    if mask is None:
        x.__dict__.pop("_keras_mask", None) if hasattr(x, "__dict__") else None
        if getattr(x, "_keras_mask", None) is not None:
            x._keras_mask = None
        return
    x._keras_mask = mask


def get_keras_mask(x):
    """The mask attached to tensor `x`, or None."""
    return getattr(x, "_keras_mask", None)
