"""Ports of Keras's compute_output_spec for ops whose symbolic shape Keras derives from the
subscripts or arguments alone, without checking sizes a run would (einsum "ii" on a (2, 3) input)."""

import re

from torchkeras.keras_tensor import KerasTensor
from torchkeras.ops._common import broadcast_shapes, dtype_of, shape_of


def einsum_spec(subscripts, *operands, **kwargs):
    """Keras's Einsum.compute_output_spec: each operand's dims mapped onto the output spec, broadcast."""
    parts = subscripts.replace(" ", "").split("->")
    if len(parts) > 2:
        raise ValueError(f"At most one '->' is supported in `einsum` subscripts, but received {subscripts}.")
    inputs, output_spec = parts[0], (parts[1] if len(parts) == 2 else None)
    input_specs = inputs.split(",")
    if len(input_specs) != len(operands):
        raise ValueError(f"Number of operands ({len(operands)}) does not match the number of input specs "
                         f"({len(input_specs)}) in `einsum`, received subscripts={subscripts}.")
    seen, repeated = [], set()
    for s in inputs:
        if s.isalpha():
            (repeated.add(s) if s in seen else seen.append(s))
    kept = sorted(s for s in seen if s not in repeated) if output_spec is None else \
        sorted(s for s in seen if s in output_spec)
    target = f"...{''.join(kept)}" if output_spec is None else output_spec
    shapes = [_expand(shape_of(x), spec, target) for x, spec in zip(operands, input_specs)]
    out = shapes[0]
    for shape in shapes[1:]:
        out = broadcast_shapes(out, shape)
    dts = {_dtype(x) for x in operands}
    if dts == {"int8"}:
        dtype = "int32"
    else:
        from torchkeras.ops._dtypes import result_type
        dtype = result_type(*dts)
    return KerasTensor(out, dtype_of(dtype))


def _dtype(x):
    from torchkeras.ops._dtypes import dtype_of_value, standardize
    if isinstance(x, KerasTensor):
        return x.dtype
    dt = dtype_of_value(x)
    return standardize(dt) if isinstance(dt, type) and dt in (bool, int, float) else dt


def _expand(shape, spec, target):
    sizes = ["-1" if d is None else str(d) for d in shape]
    expanded = target
    split = spec.split("...")
    if len(split) == 1:
        if len(sizes) != len(spec):
            raise ValueError("Number of dimensions in the subscript does not match the number of dimensions in "
                             f"the operand, received subscript `{spec}` and operand of shape {list(shape)}.")
        for size, s in zip(sizes, spec):
            expanded = expanded.replace(s, f"{size} ")
        expanded = expanded.replace("...", "")
    else:
        head, tail = split
        for i, s in enumerate(head):
            expanded = expanded.replace(s, f"{sizes[i]} ")
        for i in range(len(tail)):
            expanded = expanded.replace(tail[-i - 1], f"{sizes[-i - 1]} ")
        wild = sizes[len(head):len(sizes) - len(tail)]
        expanded = expanded.replace("...", f"{' '.join(wild)} ")
    expanded = re.sub("[a-z]", "1 ", expanded).split()
    return [None if s == "-1" else int(s) for s in expanded]


def _std(x):
    """Keras's standardized dtype name of a KerasTensor or value."""
    from torchkeras.ops._dtypes import dtype_of_value, standardize
    if isinstance(x, KerasTensor):
        return x.dtype
    dt = dtype_of_value(x)
    return dt if isinstance(dt, type) else standardize(dt)


def _result(*xs):
    from torchkeras.ops._dtypes import result_type
    return dtype_of(result_type(*(_std(x) if not isinstance(x, (type, str)) else x for x in xs)))


def _axis(axis, ndim):
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for an array of dimension {ndim}.")
    return axis % ndim


def tensordot_spec(x1, x2, axes=2):
    s1, s2 = list(shape_of(x1)), list(shape_of(x2))
    dtype = _result(x1, x2)
    if not isinstance(axes, int):
        a1, a2 = [list(a) if isinstance(a, (list, tuple)) else [a] for a in axes]
        sel1, sel2 = [s1[a] for a in a1], [s2[a] for a in a2]
        if len(sel1) != len(sel2) or any(a is not None and b is not None and a != b for a, b in zip(sel1, sel2)):
            raise ValueError(f"Shape mismatch on `x1[axes[0]]` and `x2[axes[1]]`, received {sel1} and {sel2}.")
        drop1, drop2 = {a % len(s1) for a in a1}, {a % len(s2) for a in a2}
        return KerasTensor([d for i, d in enumerate(s1) if i not in drop1] +
                           [d for i, d in enumerate(s2) if i not in drop2], dtype)
    out = s1 + s2 if axes <= 0 else s1[:-axes] + s2[axes:]
    return KerasTensor(out, dtype)


def where_spec(condition, x1=None, x2=None):
    shape = broadcast_shapes(broadcast_shapes(shape_of(condition), shape_of(x1) if x1 is not None else ()),
                             shape_of(x2) if x2 is not None else ())
    return KerasTensor(shape, _result(x1 if x1 is not None else "int32", x2 if x2 is not None else "int32"))


def argpartition_spec(x, kth, axis=-1):
    if not isinstance(kth, int):
        raise ValueError(f"kth must be an integer. Received:kth = {kth}")
    return KerasTensor(shape_of(x), "int32")


def concatenate_spec(xs, axis=0):
    if axis is None:
        raise ValueError("concatenate: `axis` must be an int for symbolic inputs. Received: axis=None")
    first = shape_of(xs[0])
    axis = _axis(axis, len(first))
    total = 0
    for x in xs:
        s = shape_of(x)
        if len(s) != len(first) or any(a is not None and b is not None and a != b
                                       for i, (a, b) in enumerate(zip(s, first)) if i != axis):
            raise ValueError("Every value in `xs` must have the same shape except on the `axis` dim. But found "
                             f"element of shape {s}, which is different from the first element's shape {first}.")
        total = None if total is None or s[axis] is None else total + s[axis]
    out = list(first)
    out[axis] = total
    return KerasTensor(out, _result(*xs))


def corrcoef_spec(x):
    dt = _std(x)
    return KerasTensor(shape_of(x), "float64" if dt == "int64" else _result(dt, float))


def ldexp_spec(x1, x2):
    return KerasTensor(broadcast_shapes(shape_of(x1), shape_of(x2)), _result(x1, x2, float))


def nonzero_spec(x):
    return tuple(KerasTensor((None,), "int32") for _ in shape_of(x))


def unique_spec(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,
                size=None, fill_value=None):
    shape = list(shape_of(x))
    if axis is None:
        values = (size,)
    else:
        values = list(shape)
        values[_axis(axis, len(shape))] = size
    outputs = [KerasTensor(tuple(values), _std(x))]
    if return_index:
        outputs.append(KerasTensor((size,), "int32"))
    if return_inverse:
        outputs.append(KerasTensor(tuple(shape) if axis is None else (shape[_axis(axis, len(shape))],), "int32"))
    if return_counts:
        outputs.append(KerasTensor((size,), "int32"))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def same_spec(x, *args, **kwargs):
    """Ops whose output has the input's shape and dtype (Keras's specs for them say only that)."""
    return KerasTensor(shape_of(x), _std(x))


def register():
    """Attaches the specs above to their ops (called once by torchkeras.ops)."""
    import torchkeras.ops as ops
    from torchkeras.ops._common import spec_for
    from torchkeras.ops._specs_array import (
        array_split_spec,
        broadcast_to_spec,
        diag_spec,
        dsplit_spec,
        hsplit_spec,
        meshgrid_spec,
        repeat_spec,
        reshape_spec,
        slice_spec,
        slice_update_spec,
        split_spec,
        vsplit_spec,
    )

    for name, spec in {"einsum": einsum_spec, "tensordot": tensordot_spec, "where": where_spec,
                       "argpartition": argpartition_spec, "concatenate": concatenate_spec,
                       "corrcoef": corrcoef_spec, "ldexp": ldexp_spec, "nonzero": nonzero_spec,
                       "unique": unique_spec, "repeat": repeat_spec, "reshape": reshape_spec,
                       "split": split_spec, "hsplit": hsplit_spec, "vsplit": vsplit_spec, "dsplit": dsplit_spec,
                       "array_split": array_split_spec, "meshgrid": meshgrid_spec,
                       "broadcast_to": broadcast_to_spec, "diag": diag_spec, "slice": slice_spec,
                       "slice_update": slice_update_spec}.items():
        spec_for(getattr(ops, name))(spec)
    # Loops over the batch in Python: a run at a stand-in batch size of 1031 would be slow.
    from torchkeras.ops import image_geometry
    spec_for(image_geometry.elastic_transform)(same_spec)
