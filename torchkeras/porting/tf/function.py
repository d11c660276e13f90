"""tf.function (runs eagerly) and TF's control flow / utility ops, run as plain Python on torch."""

import contextlib
import functools

import numpy as np
import torch

from torchkeras.porting.tf._core import convert, torch_dtype
from torchkeras.porting.tf.nest import flatten, map_structure, pack_sequence_as


class Function:
    """What `tf.function` returns: calls the Python function eagerly (torch has no graph to trace)."""

    def __init__(self, python_function, input_signature=None, **options):
        self.python_function = python_function
        self.input_signature = input_signature
        self._options = options
        functools.update_wrapper(self, python_function)

    def __call__(self, *args, **kwargs):
        return self.python_function(*args, **kwargs)

    def __get__(self, instance, owner):
        if instance is None:
            return self
        return Function(self.python_function.__get__(instance, owner), self.input_signature, **self._options)

    def get_concrete_function(self, *args, **kwargs):
        return self

    def experimental_get_tracing_count(self):
        return 0

    @property
    def function_spec(self):
        return self.input_signature


def function(func=None, input_signature=None, autograph=True, jit_compile=None, reduce_retracing=False,
             experimental_implements=None, experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None, experimental_follow_type_hints=None):
    """tf.function: accepted for compatibility; the function runs eagerly on torch."""
    def wrap(f):
        return Function(f, input_signature, jit_compile=jit_compile, reduce_retracing=reduce_retracing)
    return wrap if func is None else wrap(func)


def cond(pred, true_fn=None, false_fn=None, name=None):
    return true_fn() if bool(convert(pred)) else false_fn()


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name=None):
    for pred, fn in (pred_fn_pairs.items() if isinstance(pred_fn_pairs, dict) else pred_fn_pairs):
        if bool(convert(pred)):
            return fn()
    return default()


def switch_case(branch_index, branch_fns, default=None, name=None):
    i = int(convert(branch_index))
    fns = dict(branch_fns) if isinstance(branch_fns, dict) else dict(enumerate(branch_fns))
    if i in fns:
        return fns[i]()
    return (default or fns[max(fns)])()


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, maximum_iterations=None, name=None):
    single = not isinstance(loop_vars, (list, tuple))
    vars_ = [loop_vars] if single else list(loop_vars)
    i = 0
    while bool(convert(cond(*vars_))) and (maximum_iterations is None or i < int(maximum_iterations)):
        out = body(*vars_)
        vars_ = [out] if single or not isinstance(out, (list, tuple)) else list(out)
        i += 1
    return vars_[0] if single else type(loop_vars)(vars_) if isinstance(loop_vars, tuple) else vars_


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False, infer_shape=True,
           name=None, fn_output_signature=None):
    flat = [convert(e) for e in flatten(elems)]
    n = flat[0].shape[0]
    outs = [fn(pack_sequence_as(elems, [e[i] for e in flat])) for i in range(n)]
    if not outs:
        return pack_sequence_as(elems, flat)
    first = outs[0]
    stacked = [torch.stack([convert(flatten(o)[k]) for o in outs]) for k in range(len(flatten(first)))]
    return pack_sequence_as(first, stacked)


vectorized_map = map_fn


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    xs = convert(elems)
    order = list(range(xs.shape[0] - 1, -1, -1) if reverse else range(xs.shape[0]))
    if initializer is None:
        acc, outs, order = xs[order[0]], [xs[order[0]]], order[1:]
    else:
        acc, outs = initializer, []
    for i in order:
        acc = fn(acc, xs[i])
        outs.append(acc)
    if reverse:
        outs = outs[::-1]
    return map_structure(lambda *parts: torch.stack(parts), *outs)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    xs = convert(elems)
    acc = xs[0] if initializer is None else initializer
    for i in range(0 if initializer is not None else 1, xs.shape[0]):
        acc = fn(acc, xs[i])
    return acc


def py_function(func, inp, Tout, name=None):
    out = func(*inp)
    return _cast_out(out, Tout)


def numpy_function(func, inp, Tout, stateful=True, name=None):
    args = [a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else a for a in inp]
    return _cast_out(func(*args), Tout)


def _cast_out(out, tout):
    if isinstance(tout, (list, tuple)):
        return [_cast_out(o, t) for o, t in zip(out, tout)]
    if tout is not None and getattr(tout, "name", tout) == "string":
        return convert(out, "string")
    t = convert(out) if not isinstance(out, np.ndarray) else torch.from_numpy(np.require(out, requirements="C"))
    return t.to(torch_dtype(tout)) if tout is not None else t


def print_(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    def fmt(v):
        if isinstance(v, torch.Tensor):
            return np.array2string(v.detach().cpu().numpy(), separator=" ", threshold=max(summarize * 2, 6))
        return str(v)
    print(*[fmt(v) for v in inputs], sep=sep, end=end)


def no_op(name=None):
    return None


def group(*inputs, **kwargs):
    return None


def tuple_(tensors, name=None, control_inputs=None):
    return list(tensors)


@contextlib.contextmanager
def name_scope(name):
    yield name


@contextlib.contextmanager
def device(device_name):
    yield


@contextlib.contextmanager
def control_dependencies(control_inputs):
    yield


def init_scope():
    return contextlib.nullcontext()


def executing_eagerly():
    return True


def is_tensor(x):
    from torchkeras.porting.tf.strings_array import StringTensor
    return isinstance(x, (torch.Tensor, StringTensor))


def Assert(condition, data, summarize=None, name=None):
    if not bool(convert(condition)):
        from torchkeras.porting.tf._core import InvalidArgumentError
        raise InvalidArgumentError("assertion failed: " + str([str(d) for d in data]))


class _Autograph:
    class experimental:
        do_not_convert = staticmethod(lambda func=None, **kw: func if func is not None else (lambda f: f))

    @staticmethod
    def to_graph(func, **kwargs):
        return func

    @staticmethod
    def set_verbosity(level, alsologtostdout=False):
        return None


autograph = _Autograph()
