"""Keras's per-weight constructor arguments (`<weight>_initializer`, `<weight>_regularizer`,
`<weight>_constraint`): resolved once at construction, serialized back in Keras's config order.

Used by the conv and normalization layers; nothing here is conv-specific.
"""

from torchkeras import constraints, initializers, regularizers

_KINDS = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints}


def weight_arg_names(weights, more_initializers=(), activity=False):
    """Keras's order: every initializer, every regularizer (then activity_regularizer), every constraint."""
    return (tuple(f"{w}_initializer" for w in weights + more_initializers)
            + tuple(f"{w}_regularizer" for w in weights)
            + (("activity_regularizer",) if activity else ())
            + tuple(f"{w}_constraint" for w in weights))


def _kind(name):
    return _KINDS[name.rpartition("_")[2]]


def set_weight_args(layer, names, args):
    """`layer.<name> = <kind>.get(args[name])` for each name, in order (so the first bad one is reported)."""
    for name in names:
        setattr(layer, name, _kind(name).get(args[name]))


def weight_args_config(layer, names):
    return {name: _kind(name).serialize(getattr(layer, name)) for name in names}
