"""Minimal nested-structure helpers (lists, tuples, dicts; None passes through)."""


def map_structure(fn, x):
    if x is None:
        return None
    if isinstance(x, dict):
        return type(x)((k, map_structure(fn, v)) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return type(x)(map_structure(fn, v) for v in x)
    return fn(x)


def flatten(x):
    if x is None:
        return []
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in flatten(v)]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in flatten(v)]
    return [x]


def first_leaf(x):
    leaves = flatten(x)
    return leaves[0] if leaves else None


def is_nested(x):
    return isinstance(x, (list, tuple, dict))
