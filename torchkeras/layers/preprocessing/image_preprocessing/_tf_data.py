"""Running the preprocessing layers inside a `tf.data` pipeline (`dataset.map(layer)`).

Keras's preprocessing layers are usable in tf.data, where they receive symbolic TensorFlow
tensors. torchkeras never imports TensorFlow; when the caller already has, and hands a layer
TensorFlow tensors, the call is wrapped in `tf.numpy_function`, which runs the torch layer on
the numpy values of each element. Output structure and dtypes come from one probe call on zeros.
As in Keras, whose layers switch to the TensorFlow backend in a traced call, seeded random layers
draw there from TensorFlow's stateless generators (see `_backend.TFSeedGenerator`); the probe
call draws without advancing any seed state.
"""

import contextlib
import sys
import threading

import numpy as np
import torch

_ARRAY_TYPES = (torch.Tensor, np.ndarray, np.generic, bool, int, float)
_CALL = threading.local()


def in_tf_data():
    """True while a layer runs for a tf.data pipeline: Keras then switches the layer to its
    TensorFlow backend, so seeded random draws follow TensorFlow's stateless generators."""
    return getattr(_CALL, "depth", 0) > 0


def probing():
    """True during the one structure probe of a symbolic tf.data call: seed states must not advance
    (Keras traces the map function once without drawing)."""
    return getattr(_CALL, "probing", False)


@contextlib.contextmanager
def _tf_data_scope(probe=False):
    depth, was_probing = getattr(_CALL, "depth", 0), probing()
    _CALL.depth, _CALL.probing = depth + 1, probe or was_probing
    try:
        yield
    finally:
        _CALL.depth, _CALL.probing = depth, was_probing


def _tf():
    return sys.modules.get("tensorflow")


def is_tf_input(inputs):
    tf = _tf()
    if tf is None:
        return False
    return any(isinstance(t, tf.Tensor) for t in tf.nest.flatten(inputs))


def _to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def tf_data_call(fn, inputs):
    """Run `fn` (a torch layer call or transform) on TensorFlow tensors, eager or symbolic."""
    tf = _tf()
    flat_in = tf.nest.flatten(inputs)
    if tf.executing_eagerly():
        # Eager TensorFlow tensors outside any traced function: Keras keeps the layer on its own
        # backend there (only a traced call, as in `dataset.map`, switches it to TensorFlow).
        values = tf.nest.pack_sequence_as(inputs, [np.asarray(t) for t in flat_in])
        out = fn(values)
        return tf.nest.map_structure(lambda t: tf.convert_to_tensor(_to_numpy(t)), _plain(out))

    def probe_value(t):
        dims = [1 if d is None else d for d in t.shape.as_list()]
        return np.zeros(dims, dtype=t.dtype.as_numpy_dtype)
    with _tf_data_scope(probe=True):
        probe = _plain(fn(tf.nest.pack_sequence_as(inputs, [probe_value(t) for t in flat_in])))
    flat_probe = tf.nest.flatten(probe)
    # Non-array leaves (None, seed generators) cannot cross numpy_function: they keep the probe's value.
    arrays = [i for i, p in enumerate(flat_probe) if isinstance(p, _ARRAY_TYPES)]
    tout = [tf.as_dtype(_to_numpy(flat_probe[i]).dtype) for i in arrays]

    def run(*values):
        with _tf_data_scope():
            flat = tf.nest.flatten(_plain(fn(tf.nest.pack_sequence_as(inputs, list(values)))))
        return [_to_numpy(flat[i]).astype(t.as_numpy_dtype, copy=False) for i, t in zip(arrays, tout)]
    flat_out = list(flat_probe)
    if arrays:
        results = tf.numpy_function(run, flat_in, tout)
        for i, r in zip(arrays, results):
            r.set_shape([None] * _to_numpy(flat_probe[i]).ndim)
            flat_out[i] = r
    return tf.nest.pack_sequence_as(probe, flat_out)


def tf_data_forward_static(layer, inputs, args, kwargs):
    """`layer(inputs)` traced inside `dataset.map`, with the static element shape Keras's traced call
    gives (from `compute_output_shape`)."""
    out = tf_data_call(lambda v: layer(v, *args, **kwargs), inputs)
    if inputs.shape.rank is not None:
        out.set_shape(layer.compute_output_shape(tuple(inputs.shape.as_list())))
    return out


def _plain(out):
    """Dicts/lists as plain Python containers (tf.nest needs them)."""
    if isinstance(out, dict):
        return {k: _plain(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return [_plain(v) for v in out]
    return out


def numpy_to_torch(value):
    """numpy arrays (and lists of numbers) inside dicts/lists/tuples -> torch tensors."""
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        return torch.from_numpy(np.ascontiguousarray(arr)) if arr.dtype != object else value
    if isinstance(value, dict):
        return {k: numpy_to_torch(v) for k, v in value.items()}
    return value
