"""Nested-structure helpers for the TestCase port (Keras's tree semantics: dicts by sorted key,
None is a leaf)."""


def is_nested(x):
    return isinstance(x, (list, tuple, dict))


def flatten(x):
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in flatten(x[k])]
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in flatten(item)]
    return [x]


def map_structure(fn, *structures):
    first = structures[0]
    if isinstance(first, dict):
        return {k: map_structure(fn, *(s[k] for s in structures)) for k in first}
    if isinstance(first, (list, tuple)):
        items = [map_structure(fn, *parts) for parts in zip(*structures)]
        return type(first)(items) if isinstance(first, list) or not hasattr(first, "_fields") \
            else type(first)(*items)
    return fn(*structures)


def map_structure_up_to(shallow, fn, *structures):
    """map_structure that stops descending where `shallow` has a leaf."""
    if isinstance(shallow, dict):
        return {k: map_structure_up_to(shallow[k], fn, *(s[k] for s in structures)) for k in shallow}
    if isinstance(shallow, (list, tuple)):
        return [map_structure_up_to(sub, fn, *parts) for sub, *parts in zip(shallow, *structures)]
    return fn(*structures)


def is_shape_tuple(x):
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(fn, shape):
    """Map over a structure of shapes, treating each shape tuple as a leaf."""
    if is_shape_tuple(shape):
        return fn(tuple(shape))
    if isinstance(shape, dict):
        return {k: map_shape_structure(fn, v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        return type(shape)(map_shape_structure(fn, s) for s in shape)
    raise ValueError(f"Not a shape structure: {shape!r}")


def map_shape_dtype(fn, shape, dtype):
    """Map over a structure of shapes and the parallel structure of dtypes."""
    if is_shape_tuple(shape):
        return fn(tuple(shape), dtype)
    if isinstance(shape, dict):
        return {k: map_shape_dtype(fn, v, dtype[k]) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        return type(shape)(map_shape_dtype(fn, s, d) for s, d in zip(shape, dtype))
    raise ValueError(f"Cannot map over the shape {shape!r} with the dtypes {dtype!r}")
