"""TensorFlow's public API emulated on torch, for the porting runner (`python -m torchkeras run`).

Importable as `torchkeras.porting.tf` anywhere without touching `sys.modules["tensorflow"]`; the runner
serves it as `tensorflow`. Tensors are plain torch tensors (numpy object arrays of bytes for
strings); ops follow TensorFlow's dtype rules and errors; `tf.keras` is torchkeras. A symbol that is
not emulated raises an error naming it and its keras.ops replacement.
"""

import logging as _logging
import sys as _sys
import types as _types

import torch as _torch

from torchkeras.porting.tf import (  # noqa: F401
    compat,
    config,
    data,
    debugging,
    distribute,
    dtypes,
    errors,
    image,
    io,
    linalg,
    math,
    nest,
    nn,
    random,
    strings,
    summary,
    test,
)
from torchkeras.porting.tf._core import DTYPES as _DTYPES
from torchkeras.porting.tf._core import VERSION, DType, TFModule, as_dtype, namespace_getattr  # noqa: F401
from torchkeras.porting.tf.array_ops import (  # noqa: F401
    cast,
    concat,
    constant,
    convert_to_tensor,
    expand_dims,
    eye,
    fill,
    gather,
    gather_nd,
    identity,
    linspace,
    one_hot,
    ones,
    ones_like,
    range,
    rank,
    reshape,
    saturate_cast,
    shape,
    shape_n,
    size,
    split,
    squeeze,
    stack,
    tile,
    transpose,
    unstack,
    where,
    zeros,
    zeros_like,
)
from torchkeras.porting.tf.array_ops2 import (  # noqa: F401
    argsort,
    boolean_mask,
    broadcast_dynamic_shape,
    broadcast_static_shape,
    broadcast_to,
    clip_by_value,
    einsum,
    ensure_shape,
    matmul,
    meshgrid,
    norm,
    pad,
    repeat,
    reverse,
    roll,
    scatter_nd,
    searchsorted,
    sequence_mask,
    slice,
    sort,
    strided_slice,
    tensor_scatter_nd_add,
    tensor_scatter_nd_sub,
    tensor_scatter_nd_update,
    tensordot,
    unique,
)
from torchkeras.porting.tf.debugging import assert_equal, assert_greater, assert_less, assert_rank  # noqa: F401
from torchkeras.porting.tf.function import (  # noqa: F401
    Assert,
    autograph,
    case,
    cond,
    control_dependencies,
    device,
    executing_eagerly,
    foldl,
    function,
    group,
    init_scope,
    is_tensor,
    map_fn,
    name_scope,
    no_op,
    numpy_function,
    py_function,
    scan,
    switch_case,
    vectorized_map,
    while_loop,
)
from torchkeras.porting.tf.function import print_ as print  # noqa: F401, A001
from torchkeras.porting.tf.function import tuple_ as tuple  # noqa: F401, A001
from torchkeras.porting.tf.math import (  # noqa: F401
    abs,
    acos,
    acosh,
    add,
    add_n,
    argmax,
    argmin,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cos,
    cosh,
    cumsum,
    divide,
    equal,
    exp,
    floor,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    pow,
    realdiv,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    round,
    scalar_mul,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    truediv,
    truncatemod,
)
from torchkeras.porting.tf.shape import TensorShape, TensorSpec  # noqa: F401
from torchkeras.porting.tf.tape import (  # noqa: F401
    GradientTape,
    UnconnectedGradients,
    clip_by_global_norm,
    clip_by_norm,
    custom_gradient,
    recompute_grad,
    stop_gradient,
)
from torchkeras.porting.tf.variables import Module, Variable  # noqa: F401

__version__ = VERSION
globals().update(_DTYPES)
half, double = _DTYPES["float16"], _DTYPES["float64"]
bool = _DTYPES["bool"]  # noqa: A001
Tensor = _torch.Tensor
newaxis = None
as_string = strings.as_string


class _Version:
    VERSION = VERSION
    GIT_VERSION = "torchkeras"
    COMPILER_VERSION = "torch " + _torch.__version__


version = _Version()


def get_logger():
    return _logging.getLogger("tensorflow")


def get_static_value(tensor, partial=False):
    if isinstance(tensor, _torch.Tensor):
        return tensor.detach().cpu().numpy()
    return tensor


_missing = namespace_getattr("tf")


def __getattr__(attr):
    if attr == "keras":
        # Served as `tensorflow` by the runner, tf.keras is the runner's `keras` alias module;
        # imported directly, it is torchkeras itself.
        import importlib
        served = _sys.modules.get("tensorflow") is _sys.modules[__name__]
        return importlib.import_module("keras" if served else "torchkeras")
    return _missing(attr)


for _name, _module in list(_sys.modules.items()):
    if (_name == __name__ or _name.startswith(__name__ + ".")) and type(_module) is _types.ModuleType:
        _module.__class__ = TFModule
