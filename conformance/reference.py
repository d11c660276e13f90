"""The one module that imports TensorFlow and Keras: the reference side of every comparison.

torch is imported first: importing TensorFlow before torch in one process can crash on some builds
(duplicate OpenMP / protobuf symbols), so every entry point reaches TF only through `load()` here.
"""

import os

import numpy as np
import torch

_KERAS = None


class ReferenceUnavailable(RuntimeError):
    """Real tf.keras could not be imported: conformance cannot run (a failure, never a skip)."""


def load():
    """Import TensorFlow and Keras 3 (TensorFlow backend) once and return the `keras` module.

    Raises ReferenceUnavailable with installation advice when either is missing or Keras runs on
    another backend (a torch-backend Keras would compare us with ourselves).
    """
    global _KERAS
    if _KERAS is not None:
        return _KERAS
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # TF_ENABLE_ONEDNN_OPTS stays as the user has it: without oneDNN, TF's CPU kernels refuse
    # channels_first convolutions (UnimplementedError), so the default build is the reference.
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        import tensorflow as tf
    except ImportError as e:
        raise ReferenceUnavailable(
            "conformance needs real TensorFlow to compare against, but `import tensorflow` failed "
            f"({e}). Install it with `pip install 'torchkeras[conformance]'` (tensorflow-cpu and keras); "
            "a missing reference counts as a failure, not a skip.") from e
    try:
        import keras
    except ImportError as e:
        raise ReferenceUnavailable(
            f"conformance needs Keras 3 (`pip install keras`), but `import keras` failed ({e}).") from e
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ReferenceUnavailable(
            f"conformance compares against Keras on the TensorFlow backend, but Keras was loaded with "
            f"backend {backend!r}. Unset KERAS_BACKEND (or set it to 'tensorflow') before running.")
    import logging
    tf.get_logger().setLevel(logging.ERROR)  # retracing notices: one predict function per model case
    # TF32 would make GPU matmuls differ from float32 by ~1e-3 on either side.
    try:
        tf.config.experimental.enable_tensor_float_32_execution(False)
    except Exception:  # noqa: BLE001 - older TF builds lack the switch; CPU has no TF32 anyway
        pass
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    _KERAS = keras
    return keras


def versions():
    keras = load()
    import tensorflow as tf
    return {"tensorflow": tf.__version__, "keras": keras.__version__, "torch": torch.__version__}


def to_numpy(x):
    """Keras outputs (tf tensors, numpy, nested lists/dicts) as numpy arrays in the same structure."""
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def set_seed(seed):
    load().utils.set_random_seed(seed)


def call(layer, inputs, training=None, cotangent_seed=None):
    """Run a Keras layer/model eagerly. With cotangent_seed, also return d(sum(out*w))/d(inputs)
    for a fixed random w per output, so gradients of every output element are exercised."""
    load()
    import tensorflow as tf
    many = isinstance(inputs, (list, tuple))
    xs = [tf.constant(v) for v in (inputs if many else [inputs])]
    kwargs = {} if training is None else {"training": training}
    if cotangent_seed is None:
        out = layer(xs if many else xs[0], **kwargs)
        return to_numpy(out), None
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        out = layer(xs if many else xs[0], **kwargs)
        outs = out if isinstance(out, (list, tuple)) else [out]
        ws = cotangents([tuple(o.shape) for o in outs], cotangent_seed)
        total = tf.add_n([tf.reduce_sum(tf.cast(o, tf.float32) * w) for o, w in zip(outs, ws)])
    grads = tape.gradient(total, xs, unconnected_gradients="zero")
    return to_numpy(out), [to_numpy(g) for g in grads]


def output_mask(layer, inputs):
    """The Keras mask attached to the layer's eager output (None when it makes none)."""
    load()
    import tensorflow as tf
    many = isinstance(inputs, (list, tuple))
    xs = [tf.constant(v) for v in (inputs if many else [inputs])]
    out = layer(xs if many else xs[0])
    mask = getattr(out, "_keras_mask", None)
    return None if mask is None else to_numpy(mask)


def cotangents(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, size=s).astype(np.float32) for s in shapes]


def intermediate_model(model):
    """A Keras model returning every layer's output (one node per layer), for locating divergence.

    Returns (layers, model) where layers are the layers whose outputs the model returns."""
    keras = load()
    layers, outs = [], []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        try:
            out = layer.output
        except (AttributeError, ValueError, RuntimeError):
            continue  # shared layers have several outputs; compare only single-node layers
        layers.append(layer)
        outs.append(out)
    return layers, keras.Model(model.inputs, outs)
