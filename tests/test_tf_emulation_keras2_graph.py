"""Porting-runner behaviours the corpus scripts rely on: Keras 2 graph-mode losses (`model.add_loss` of a
symbolic tensor built with keras.losses / backend functions), tf.DType-style `.dtype.name`, tf.string
dtypes of string tensors, metrics updated inside a layer's `call`, and intermediate tensors given as
functional inputs. Expected values come from closed forms, not from torchkeras."""

import os
import subprocess
import sys
import textwrap

import numpy as np

import torchkeras as keras
from torchkeras import layers
from torchkeras.porting import tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(tmp_path, source):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "torchkeras", "run", str(script)], capture_output=True,
                          text=True, env=env, timeout=240, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc.stdout


def test_string_tensor_dtype_is_tf_string():
    s = tf.constant(["fixed", "normal"])
    assert s.dtype == "string" and s.dtype == tf.string and s.dtype == object
    assert s.dtype.name == "string" and s.dtype.kind == "O" and np.dtype(s.dtype) == np.dtype(object)
    assert not (tf.constant([1.0]).dtype == "string")


def test_keras2_symbolic_add_loss_is_minimised(tmp_path):
    # The only loss is mean((w.x + b - 3)^2), added as a symbolic tensor: training must drive the
    # model's output to 3 (no compiled loss, no targets), and evaluate must report that loss.
    out = _run(tmp_path, """
        import numpy as np
        from keras.layers import Input, Dense
        from keras.models import Model
        from keras.losses import mse
        from keras import backend as K
        from keras.optimizers import SGD

        inputs = Input(shape=(4,))
        outputs = Dense(1)(inputs)
        model = Model(inputs, outputs)
        target = K.ones_like(outputs) * 3.0
        model.add_loss(K.mean(mse(target, outputs)))
        model.compile(optimizer=SGD(learning_rate=0.1))
        x = np.random.RandomState(0).rand(256, 4).astype("float32")
        model.fit(x, epochs=40, batch_size=32, verbose=0, validation_data=(x, None))
        pred = model.predict(x, verbose=0)
        loss = model.evaluate(x, verbose=0)
        print("RESULT", float(np.abs(pred - 3.0).max()), float(loss), float(np.mean((pred - 3.0) ** 2)))
    """)
    max_err, loss, mse_pred = map(float, out.split("RESULT")[-1].split())
    assert max_err < 0.1
    assert abs(loss - mse_pred) < 1e-4


def test_dtype_name_under_the_runner(tmp_path):
    out = _run(tmp_path, """
        import tensorflow as tf
        from tensorflow import keras
        from tensorflow.keras import layers, mixed_precision

        mixed_precision.set_global_policy("mixed_float16")
        inputs = keras.Input(shape=(3,))
        dense = layers.Dense(2)
        x = dense(inputs)
        print("RESULT", x.dtype.name, dense.kernel.dtype.name, x.dtype == "float16", inputs.dtype.name)
    """)
    assert out.split("RESULT")[-1].split() == ["float16", "float32", "True", "float32"]


def test_metric_updated_in_call_counts_real_batches_only():
    class Endpoint(layers.Layer):
        def __init__(self):
            super().__init__()
            self.acc = keras.metrics.BinaryAccuracy(name="acc")

        def call(self, logits, targets):
            self.acc.update_state(targets, logits)
            return logits

    logits_in, targets_in = keras.Input((1,)), keras.Input((1,))
    endpoint = Endpoint()
    model = keras.Model([logits_in, targets_in], endpoint(logits_in, targets_in))
    # Building the graph ran call() on symbolic tensors: the state must be untouched.
    assert float(endpoint.acc.count) == 0.0
    logits = np.array([[0.9], [0.2], [0.7], [0.1]], "float32")
    targets = np.array([[1.0], [1.0], [0.0], [0.0]], "float32")
    model.predict([logits, targets], verbose=0)
    # threshold 0.5: predictions 1, 0, 1, 0 against 1, 1, 0, 0 -> 2 of 4 right
    assert float(endpoint.acc.result()) == 0.5


def test_intermediate_tensor_as_functional_input_is_fed_directly():
    # Keras clones a non-Input tensor given as an input into a fresh Input: the layer that made it
    # (here the x100 rescaling) is not part of the model.
    raw = keras.Input((1,))
    scaled = layers.Rescaling(100.0)(raw)
    doubled = layers.Rescaling(2.0)(scaled)
    model = keras.Model({"a": scaled}, doubled)
    assert np.allclose(model.predict({"a": np.array([[1.5]], "float32")}, verbose=0), [[3.0]])
