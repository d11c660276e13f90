"""tf.nest: flatten / pack / map over nested lists, tuples, namedtuples and dicts (sorted keys, as TF)."""

from torchkeras.porting.tf._core import namespace_getattr

__getattr__ = namespace_getattr("tf.nest")


def _is_nested(x):
    return isinstance(x, (list, tuple, dict))


def is_nested(structure):
    return _is_nested(structure)


def flatten(structure, expand_composites=False):
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [leaf for v in structure for leaf in flatten(v)]
    return [structure]


def _pack(structure, it):
    if isinstance(structure, dict):
        packed = {k: _pack(structure[k], it) for k in sorted(structure)}
        return type(structure)((k, packed[k]) for k in structure) if type(structure) is not dict else {
            k: packed[k] for k in structure}
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*[_pack(v, it) for v in structure])
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack(v, it) for v in structure)
    return next(it)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    flat_sequence = list(flat_sequence)
    if len(flatten(structure)) != len(flat_sequence):
        raise ValueError(f"Could not pack sequence. Structure had {len(flatten(structure))} atoms, but "
                         f"flat_sequence had {len(flat_sequence)} items.")
    return _pack(structure, iter(flat_sequence))


def map_structure(func, *structure, **kwargs):
    flats = [flatten(s) for s in structure]
    for f in flats[1:]:
        if len(f) != len(flats[0]):
            raise ValueError("The two structures don't have the same number of elements.")
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*flats)])


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    if len(flatten(nest1)) != len(flatten(nest2)):
        raise ValueError(f"The two structures don't have the same nested structure: {nest1!r} vs {nest2!r}.")
