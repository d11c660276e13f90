"""DataLayer: Keras's base for the layers that run inside data pipelines (`tf.data`, grain).

Keras's `DataLayer` (`keras.src.layers.preprocessing.data_layer`, not exported) reaches its ops
through `self.backend`, switching it to TensorFlow while a `tf.data` pipeline traces the layer.
torchkeras runs every op in torch: `self.backend` always answers with torchkeras's ops, and a
layer handed symbolic TensorFlow tensors (`dataset.map(layer)`) runs its torch call inside
`tf.numpy_function` on each element's values. The outputs' static shapes come from
`compute_output_shape`, as TensorFlow's own ops would give them.
"""

import importlib
import sys

import numpy as np
import torch

from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.image_preprocessing._tf_data import _plain

_BACKENDS = ("tensorflow", "jax", "torch", "numpy", "openvino")
# What `backend.<name>` is on torch: Keras's backend submodules are torchkeras's op modules.
_SUBMODULES = {"random": "torchkeras.random", "numpy": "torchkeras.ops.numpy", "image": "torchkeras.ops.image",
               "nn": "torchkeras.ops.nn", "math": "torchkeras.ops.math", "linalg": "torchkeras.ops.linalg",
               "core": "torchkeras.ops.core"}


class DynamicBackend:
    """Keras's `DynamicBackend` (`keras.src.utils.backend_utils`): `backend.numpy.where(...)`,
    `backend.random.uniform(...)`, `backend.convert_to_tensor(...)`, on torch."""

    def __init__(self, backend=None):
        self._backend = "torch"
        if backend is not None:
            self.set_backend(backend)

    def set_backend(self, backend):
        if backend not in _BACKENDS:
            raise ValueError("Available backends are ('tensorflow', 'jax', 'torch', 'numpy' and 'openvino'). "
                             f"Received: backend={backend}")
        if backend != "torch":
            raise ValueError(f"torchkeras runs every backend op in torch and cannot switch to backend={backend!r}. "
                             "Inside a tf.data pipeline the layer's torch call runs through tf.numpy_function "
                             "already; keep backend='torch'.")
        self._backend = backend

    def reset(self):
        self._backend = "torch"

    @property
    def name(self):
        return self._backend

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in _SUBMODULES:
            return importlib.import_module(_SUBMODULES[name])
        ops = importlib.import_module("torchkeras.ops")
        if hasattr(ops, name):
            return getattr(ops, name)
        raise AttributeError(f"The torch backend has no op {name!r}.")


class DataLayer(Layer):
    """A layer safe to use in `tf.data` or grain pipelines (single input tensor, as Keras's).

    `call()` uses `self.backend` ops. For randomness, set `seed` and `generator` (a SeedGenerator)
    in `__init__` and draw with `self._get_seed_generator()`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.backend = DynamicBackend()
        self._allow_non_tensor_positional_args = True

    def __call__(self, *args, **kwargs):
        if args and tf_graph_tensors((args, kwargs)):
            # Autograph must not rewrite the torch call that runs inside numpy_function.
            run = _tf().autograph.experimental.do_not_convert(tf_graph_call)
            return run(self, args[0], args[1:], kwargs)
        return super().__call__(*args, **kwargs)

    def _get_seed_generator(self, backend=None):
        if not hasattr(self, "seed") or not hasattr(self, "generator"):
            raise ValueError("The `seed` and `generator` variable must be set in the `__init__` method before "
                             "calling `_get_seed_generator()`.")
        if backend is not None and backend not in _BACKENDS:
            raise ValueError(f"Unknown backend {backend!r}; expected one of {_BACKENDS}.")
        # One backend only: every backend's generator is the layer's own.
        return self.generator

    def _graph_output_shape(self, input_shape):
        """The static output shape inside a tf.data graph, as TensorFlow's ops would give it."""
        return self.compute_output_shape(input_shape)

    def convert_weight(self, weight):
        """A weight as a tensor of `self.backend` (on torch, the weight itself)."""
        return weight


# ---------------------------------------------------------------------------- tf.data graphs
def _tf():
    return sys.modules.get("tensorflow")


def _is_tf_symbolic(x):
    # Real TensorFlow's graph tensors only (the porting runner's `tensorflow` holds torch tensors).
    return type(x).__module__.startswith("tensorflow.") and hasattr(x, "graph") and not hasattr(x, "_numpy")


def tf_graph_tensors(structure):
    """Whether `structure` holds symbolic TensorFlow tensors (a `tf.data` map or a `tf.function`)."""
    if "tensorflow" not in sys.modules:
        return False
    if isinstance(structure, dict):
        return any(tf_graph_tensors(v) for v in structure.values())
    if isinstance(structure, (list, tuple)):
        return any(tf_graph_tensors(v) for v in structure)
    return _is_tf_symbolic(structure)


def _host(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype.kind == "U" or (arr.dtype == object and arr.size and isinstance(arr.reshape(-1)[0], str)):
        # tf.string takes bytes
        return np.vectorize(lambda s: s.encode("utf-8") if isinstance(s, str) else s, otypes=[object])(arr)
    return arr


def _static_shape(t):
    return tuple(t.shape.as_list()) if t.shape.rank is not None else None


def tf_graph_call(layer, inputs, args, kwargs):
    """`layer(inputs, *args, **kwargs)` on symbolic TensorFlow tensors: the torch call runs in
    `tf.numpy_function` on each element's values; dtypes come from one call on zeros."""
    tf = _tf()
    packed = [inputs, list(args), kwargs]
    flat = tf.nest.flatten(packed)
    slots = [i for i, x in enumerate(flat) if _is_tf_symbolic(x)]

    def call(values):
        leaves = list(flat)
        for i, v in zip(slots, values):
            leaves[i] = v
        x, a, kw = tf.nest.pack_sequence_as(packed, leaves)
        return Layer.__call__(layer, x, *a, **kw)

    def zeros(t):
        return np.zeros([1 if d is None else d for d in t.shape.as_list()], dtype=t.dtype.as_numpy_dtype)

    probe = _plain(call([zeros(flat[i]) for i in slots]))
    flat_probe = [_host(p) for p in tf.nest.flatten(probe)]
    tout = [tf.as_dtype(p.dtype) for p in flat_probe]

    def run(*values):
        out = tf.nest.flatten(_plain(call(list(values))))
        return [_host(o).astype(t.as_numpy_dtype, copy=False) for o, t in zip(out, tout)]

    results = tf.numpy_function(run, [flat[i] for i in slots], tout)
    shapes = _output_shapes(layer, inputs, len(results))
    for r, p, shape in zip(results, flat_probe, shapes):
        r.set_shape([None] * p.ndim)
        if shape is not None and len(shape) == p.ndim:
            r.set_shape(shape)
    return tf.nest.pack_sequence_as(probe, list(results))


def _output_shapes(layer, inputs, count):
    """The static output shapes Keras's TensorFlow ops would give (None where unknown)."""
    tf = _tf()
    in_shapes = tf.nest.map_structure(lambda t: _static_shape(t) if _is_tf_symbolic(t) else None, inputs)
    try:
        shape = layer._graph_output_shape(in_shapes)
    except Exception:  # noqa: BLE001 -- a layer that cannot tell keeps the unknown shape
        return [None] * count
    if count == 1:
        shape = [shape]
    out = []
    for s in shape if isinstance(shape, (list, tuple)) and len(shape) == count else [None] * count:
        ok = isinstance(s, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer)) for d in s)
        out.append(tuple(None if d is None else int(d) for d in s) if ok else None)
    return out
