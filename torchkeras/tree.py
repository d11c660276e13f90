"""keras.tree: utilities for nested structures (lists, tuples, namedtuples, dicts).

Built on torch's pytree, as Keras itself is on its torch backend, so torch.compile sees the same
containers. Plain dicts flatten in sorted-key order; OrderedDicts keep their own order.
"""

from collections import defaultdict

from torch.utils import _pytree as _pt

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path",
           "is_nested", "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to",
           "pack_sequence_as", "traverse"]


class MAP_TO_NONE:
    """Return this from a `traverse` function to put None in the output."""


def _is_leaf(x, is_leaf=None):
    if is_leaf is not None and is_leaf(x):
        return True
    return _pt._get_node_type(x) not in _pt.SUPPORTED_NODES


def _children(structure):
    """(children, spec) one level down."""
    return _pt.tree_flatten(structure, is_leaf=lambda x: x is not structure)


def _sorted_dicts(structure):
    # Plain dicts (and defaultdicts) are rebuilt in sorted-key order so flattening is deterministic.
    if type(structure) is dict:
        structure = {k: structure[k] for k in sorted(structure)}
    elif type(structure) is defaultdict:
        structure = defaultdict(structure.default_factory, {k: structure[k] for k in sorted(structure)})
    if _is_leaf(structure):
        return structure
    kids, spec = _children(structure)
    return _pt.tree_unflatten([_sorted_dicts(c) for c in kids], spec)


def is_nested(structure):
    """True for sequences, mappings and namedtuples (strings are leaves)."""
    return not _is_leaf(structure)


def flatten(structure):
    return _pt.tree_flatten(_sorted_dicts(structure))[0]


def flatten_with_path(structure):
    """(path, leaf) pairs; a path holds sequence indices and mapping keys (namedtuples by index)."""
    pairs, _ = _pt.tree_flatten_with_path(_sorted_dicts(structure))
    fields = sorted({k.name for keys, _ in pairs for k in keys if isinstance(k, _pt.GetAttrKey)})
    out = []
    for keys, leaf in pairs:
        path = []
        for k in keys:
            if isinstance(k, _pt.SequenceKey):
                path.append(k.idx)
            elif isinstance(k, _pt.MappingKey):
                path.append(k.key)
            elif isinstance(k, _pt.GetAttrKey):
                path.append(fields.index(k.name))
        out.append((tuple(path), leaf))
    return out


def map_structure(func, *structures, none_is_leaf=True):
    if not callable(func):
        raise TypeError(f"`func` must be callable. Received: func={func}")
    if not structures:
        raise ValueError("Must provide at least one structure")
    if len(structures) == 1 and not is_nested(structures[0]):
        if structures[0] is None and not none_is_leaf:
            return None
        return func(structures[0])
    fn = func
    if not none_is_leaf:
        def fn(*args):
            if args[0] is None:
                if not all(a is None for a in args):
                    raise ValueError("Structure mismatch: some arguments are None, others are not. "
                                     f"Received arguments: {args}.")
                return None
            return func(*args)
    return _pt.tree_map(fn, *structures)


def map_structure_up_to(shallow_structure, func, *structures):
    if not structures:
        raise ValueError("Must provide at least one structure")

    def fn(shallow, *args):
        if not _is_leaf(shallow):
            raise ValueError("Structures don't have the same nested structure.")
        return func(*args)
    return _pt.tree_map(fn, shallow_structure, *structures)


def assert_same_structure(a, b, check_types=None):
    """ValueError unless `a` and `b` nest the same container types the same way."""
    if check_types is not None:
        import warnings
        warnings.warn("The `check_types` argument is deprecated and no longer has any effect. For a looser "
                      "check, use `keras.tree.assert_same_paths()`, which considers `list`, `tuple`, "
                      "`namedtuple` and `deque` as matching", DeprecationWarning, stacklevel=2)

    def check(x, y):
        if not _is_leaf(x) or not _is_leaf(y):
            raise ValueError("Structures don't have the same nested structure.")
    _pt.tree_map(check, a, b)


def assert_same_paths(a, b):
    a_paths = {p for p, _ in flatten_with_path(a)}
    b_paths = {p for p, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)


def pack_sequence_as(structure, flat_sequence):
    if not hasattr(flat_sequence, "__iter__"):
        raise TypeError(f"`flat_sequence` must be iterable. Received: {type(flat_sequence).__name__}")
    _, spec = _pt.tree_flatten(_sorted_dicts(structure))
    return _pt.tree_unflatten(list(flat_sequence), spec)


def traverse(func, structure, top_down=True):
    """Depth-first map over every node; a None result keeps (and descends into) the node."""
    if not callable(func):
        raise TypeError(f"`func` must be callable. Received: func={func}")

    def below(node):
        if _is_leaf(node):
            return node
        kids, spec = _children(node)
        return _pt.tree_unflatten([traverse(func, c, top_down=top_down) for c in kids], spec)

    structure = _sorted_dicts(structure)
    if top_down:
        out = func(structure)
        if out is None:
            return below(structure)
    else:
        done = below(structure)
        out = func(done)
        if out is None:
            return done
    return None if out is MAP_TO_NONE else out


def lists_to_tuples(structure):
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)


def map_shape_structure(func, structure):
    """Map `func` over shapes: tuples/lists of ints and Nones count as leaves."""
    def is_shape(x):
        return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)
    return _pt.tree_map(func, _sorted_dicts(structure), is_leaf=is_shape)
