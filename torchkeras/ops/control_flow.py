"""keras.ops control flow on eager torch: map, scan, associative_scan, loops, switch, vectorized_map,
custom_gradient. Python runs the loop; autograd records every step, as Keras's torch backend."""

import builtins

import torch

from torchkeras import tree
from torchkeras.ops._common import op, tensor


def _as_tensor(x):
    return x if isinstance(x, torch.Tensor) else tensor(x)


def _symbolic(*structures):
    # `op` runs these functions on meta tensors to infer output specs: the loop length (possibly an
    # unknown-dim sentinel) and data-dependent predicates have no value there, so one step stands
    # for all of them.
    return any(isinstance(x, torch.Tensor) and x.is_meta for x in tree.flatten(structures))


def _repeat(structure, n, axis=0):
    return tree.map_structure(
        lambda y: _as_tensor(y).unsqueeze(axis).expand(*_as_tensor(y).shape[:axis], n,
                                                        *_as_tensor(y).shape[axis:]), structure)


def _stack(outputs):
    if not outputs:
        return outputs
    return tree.map_structure(lambda *ys: torch.stack([_as_tensor(y) for y in ys]), *outputs)


@op
def map(f, xs):
    """`f` applied to each slice of `xs` along its first axis; results stacked."""
    leaves = [_as_tensor(x) for x in tree.flatten(xs)]
    n = leaves[0].shape[0]
    if _symbolic(leaves):
        return _repeat(f(tree.pack_sequence_as(xs, [leaf[0] for leaf in leaves])), n)
    outs = [f(tree.pack_sequence_as(xs, [leaf[i] for leaf in leaves])) for i in range(n)]
    return _stack(outs)


@op
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop `carry, y = f(carry, x)` over the leading axis of `xs`; returns (carry, stacked ys)."""
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    if not isinstance(unroll, bool) and not (isinstance(unroll, int) and unroll >= 1):
        raise ValueError(f"`unroll` must be an positive integer or boolean. Received: unroll={unroll}")
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    leaves = [] if xs is None else [_as_tensor(x) for x in tree.flatten(xs)]
    n = int(length) if length is not None else leaves[0].shape[0]
    if leaves and length is not None and leaves[0].shape[0] != n:
        raise ValueError(f"`length` ({n}) does not match the leading axis of `xs` ({leaves[0].shape[0]}).")
    steps = range(n - 1, -1, -1) if reverse else range(n)
    if _symbolic(leaves, init):
        steps = steps[:1]
    carry, ys = init, []
    for i in steps:
        x = None if xs is None else tree.pack_sequence_as(xs, [leaf[i] for leaf in leaves])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    if all(y is None for y in tree.flatten(ys[0])):
        return carry, ys[0] if ys[0] is None else tree.map_structure(lambda _: None, ys[0])
    if len(ys) != n:
        return carry, _repeat(ys[0], n)
    return carry, _stack(ys)


@op
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of the associative `f` along `axis` (prefix combination, elementwise on slices)."""
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    leaves = [_as_tensor(x) for x in tree.flatten(elems)]
    n = leaves[0].shape[axis]
    for leaf in leaves:
        if leaf.shape[axis] != n:
            raise ValueError("Array inputs to associative_scan must have the same first dimension. "
                             f"(saw: {[t.shape for t in leaves]})")
    if _symbolic(leaves):
        first = tree.pack_sequence_as(elems, [t.narrow(axis, 0, 1) for t in leaves])
        out = [_as_tensor(o) for o in tree.flatten(f(first, first))]
        shapes = [list(o.shape[:axis % o.dim()]) + [n] + list(o.shape[axis % o.dim() + 1:]) for o in out]
        return tree.pack_sequence_as(elems, [o.expand(*s) for o, s in zip(out, shapes)])
    if reverse:
        leaves = [torch.flip(t, (axis,)) for t in leaves]
    acc = [t.narrow(axis, 0, 1) for t in leaves]
    pieces = [acc]
    for i in range(1, n):
        cur = [t.narrow(axis, i, 1) for t in leaves]
        out = f(tree.pack_sequence_as(elems, acc), tree.pack_sequence_as(elems, cur))
        acc = [_as_tensor(o) for o in tree.flatten(out)]
        pieces.append(acc)
    result = [torch.cat([p[j] for p in pieces], dim=axis) for j in range(len(leaves))]
    if reverse:
        result = [torch.flip(t, (axis,)) for t in result]
    return tree.pack_sequence_as(elems, result)


@op
def fori_loop(lower, upper, body_fun, init_val):
    if _symbolic(init_val, lower, upper):
        return body_fun(lower, init_val)
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


@op
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (a tuple/list in, the same out)."""
    is_seq = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_seq else (loop_vars,)
    state = tree.map_structure(lambda v: _as_tensor(v) if not isinstance(v, torch.Tensor) else v, state)
    if _symbolic(state):
        return state if is_seq else state[0]
    i = 0
    while (maximum_iterations is None or i < maximum_iterations) and bool(cond(*state)):
        state = body(*state)
        state = tuple(state) if isinstance(state, (list, tuple)) else (state,)
        i += 1
    return state if is_seq else state[0]


@op
def switch(index, branches, *operands):
    """Call `branches[index](*operands)`; an out-of-range index is clamped."""
    if _symbolic(index):
        return branches[0](*operands)
    i = int(_as_tensor(index))
    return branches[builtins.min(builtins.max(i, 0), len(branches) - 1)](*operands)


@op
def vectorized_map(function, elements):
    """`function` over the first axis of `elements` (torch.vmap, or a loop where vmap can't trace)."""
    leaves = [_as_tensor(x) for x in tree.flatten(elements)]
    if _symbolic(leaves):
        return map(function, elements)
    if isinstance(elements, torch.Tensor) or not tree.is_nested(elements):
        try:
            return torch.vmap(function)(leaves[0])
        except Exception:  # data-dependent Python in `function`: fall back to a loop
            return map(function, leaves[0])
    try:
        return torch.vmap(lambda *ls: function(tree.pack_sequence_as(elements, list(ls))))(*leaves)
    except Exception:  # data-dependent Python in `function`: fall back to a loop
        return map(function, elements)


class custom_gradient:
    """Decorator: `f(*args)` returns `(output, grad_fn)`; `grad_fn(*args, upstream=...)` (or
    `grad_fn(upstream)`) gives the gradients with respect to the tensor arguments."""

    def __init__(self, forward_fn):
        self.forward_fn = forward_fn
        self.__wrapped__ = forward_fn

    def __call__(self, *args, **kwargs):
        return _CustomGradient.apply(self.forward_fn, kwargs, *args)


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, forward_fn, kwargs, *args):
        ctx.save_for_backward(*[a for a in args if isinstance(a, torch.Tensor)])
        ctx.is_tensor = [isinstance(a, torch.Tensor) for a in args]
        output, ctx.grad_fn = forward_fn(*args, **kwargs)
        return output

    @staticmethod
    def backward(ctx, upstream):
        saved = iter(ctx.saved_tensors)
        try:
            grads = ctx.grad_fn(*[next(saved) for t in ctx.is_tensor if t], upstream=upstream)
        except TypeError:
            grads = ctx.grad_fn(upstream)
        if not isinstance(grads, (tuple, list)):
            grads = (grads,)
        grads = iter(grads)
        return (None, None) + tuple(next(grads, None) if t else None for t in ctx.is_tensor)
