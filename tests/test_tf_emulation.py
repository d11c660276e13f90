"""The porting runner's TensorFlow emulation (torchkeras.porting.tf), checked against numpy formulas;
the op-by-op comparison with real TensorFlow is conformance/tests/test_tf_emulation_conformance.py."""

import os
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.porting import tf
from torchkeras.porting.tf import _events

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], np.float32)


def test_importing_the_emulation_leaves_tensorflow_alone():
    assert "tensorflow" not in sys.modules or type(sys.modules["tensorflow"]).__module__ != "torchkeras.porting.tf"
    assert tf.keras is torchkeras


@pytest.mark.parametrize("op,expected", [
    (lambda x: tf.reduce_sum(x, axis=1), A.sum(1)),
    (lambda x: tf.reduce_mean(x, axis=[0, 1], keepdims=True), A.mean(keepdims=True)),
    (lambda x: tf.reduce_max(x, axis=-1), A.max(-1)),
    (lambda x: tf.math.reduce_std(x, axis=0), A.std(0)),
    (lambda x: tf.math.reduce_logsumexp(x), np.log(np.exp(A).sum())),
    (lambda x: tf.nn.softmax(x), np.exp(A) / np.exp(A).sum(-1, keepdims=True)),
    (lambda x: tf.nn.l2_loss(x), (A ** 2).sum() / 2),
    (lambda x: tf.concat([x, x], axis=0), np.concatenate([A, A])),
    (lambda x: tf.gather(x, [1, 0], axis=1), A[:, [1, 0]]),
    (lambda x: tf.gather_nd(x, [[1, 2], [0, 0]]), A[[1, 0], [2, 0]]),
    (lambda x: tf.where(x > 0, x, tf.zeros_like(x)), np.maximum(A, 0)),
    (lambda x: tf.pad(x, [[1, 0], [0, 2]]), np.pad(A, [[1, 0], [0, 2]])),
    (lambda x: tf.pad(x, [[1, 1], [2, 0]], mode="SYMMETRIC"), np.pad(A, [[1, 1], [2, 0]], mode="symmetric")),
    (lambda x: tf.math.cumsum(x, axis=1, exclusive=True), np.concatenate([np.zeros((2, 1)), A.cumsum(1)[:, :-1]], 1)),
    (lambda x: tf.clip_by_norm(x, 1.0), A / np.sqrt((A ** 2).sum())),
    (lambda x: tf.boolean_mask(x, x > 0), A[A > 0]),
    (lambda x: tf.transpose(x), A.T),
    (lambda x: tf.tile(x, [1, 2]), np.tile(A, [1, 2])),
    (lambda x: tf.math.top_k(x[0], 2).values, np.sort(A[0])[::-1][:2]),
    (lambda x: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(x), logits=x), np.log1p(np.exp(-A))),
])
def test_ops_follow_numpy(op, expected):
    np.testing.assert_allclose(op(tf.constant(A)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_dtype_rules_follow_tensorflow():
    assert tf.constant(1.0).dtype == torch.float32 and tf.constant(1).dtype == torch.int32
    assert tf.constant(np.float64(1.0)).dtype == torch.float64
    assert tf.float32 == "float32" and tf.float32 == np.float32 and tf.float32 == torch.float32
    assert repr(tf.int64) == "tf.int64" and tf.as_dtype("float") is tf.float32
    assert tf.divide(tf.constant([1]), tf.constant([2])).dtype == torch.float64
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a int32 tensor"):
        tf.add(tf.constant([1]), tf.constant([1.0]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.add(tf.constant([1]), 1.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not in the list of allowed values"):
        tf.sqrt(tf.constant([4]))
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.constant(1.5, dtype=tf.int32)
    assert tf.add(tf.constant([1.0]), np.array([2.0])).dtype == torch.float32


def test_unsupported_symbols_name_themselves_and_the_keras_ops_replacement():
    with pytest.raises(AttributeError, match=r"`tf.math.segment_max` is TensorFlow.*not emulate"):
        tf.math.segment_max  # noqa: B018
    with pytest.raises(AttributeError, match=r"keras\.ops\.swapaxes"):
        tf.swapaxes  # noqa: B018
    assert not hasattr(tf, "RaggedTensor") and hasattr(tf, "Variable")


def test_gradient_tape_matches_the_analytic_gradient():
    x = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    w = tf.Variable(np.array([[0.5], [-0.25]], np.float32))
    b = tf.Variable(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b))
    grads = tape.gradient(loss, {"w": w, "b": b})
    r = x @ w.detach().numpy() + 0.1
    np.testing.assert_allclose(grads["w"].numpy(), (2 * x * r).mean(0)[:, None], rtol=1e-6)
    np.testing.assert_allclose(grads["b"].numpy(), (2 * r).mean(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(loss, w)


def test_gradient_tape_watch_persistent_stop_recording_and_unconnected():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = y * 2
    assert float(tape.gradient(y, x)) == 6.0 and float(tape.gradient(y * x, x)) == 27.0
    assert not z.requires_grad
    other = tf.Variable([1.0, 2.0])
    assert tape.gradient(y, [x, other])[1] is None
    assert tape.gradient(y, other, unconnected_gradients="zero").tolist() == [0.0, 0.0]
    v = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as t2:
        out = v * v
    assert t2.gradient(out, v) is None


def test_gradient_tape_on_a_keras_model_gives_keras_layout_gradients():
    model = torchkeras.Sequential([torchkeras.Input((3,)), torchkeras.layers.Dense(2)])
    x = np.random.RandomState(0).rand(4, 3).astype(np.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    gk, gb = tape.gradient(loss, model.trainable_variables)
    np.testing.assert_allclose(gk.numpy(), np.repeat(x.sum(0)[:, None], 2, 1), rtol=1e-6)
    np.testing.assert_allclose(gb.numpy(), [4.0, 4.0])


def test_clip_by_global_norm_follows_its_formula():
    a, b = np.float32([3.0, 4.0]), np.float32([12.0])
    clipped, norm = tf.clip_by_global_norm([tf.constant(a), None, tf.constant(b)], 2.6)
    assert float(norm) == pytest.approx(13.0) and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), a * 0.2, rtol=1e-6)


def test_conv_and_pool_same_padding_follow_tensorflow_layout():
    x = np.arange(1 * 5 * 5 * 1, dtype=np.float32).reshape(1, 5, 5, 1)
    out = tf.nn.max_pool2d(x, 2, 2, "SAME").numpy()
    assert out.shape == (1, 3, 3, 1) and out[0, 0, 0, 0] == 6.0 and out[0, 2, 2, 0] == 24.0
    avg = tf.nn.avg_pool2d(x, 2, 2, "SAME").numpy()
    assert avg[0, 2, 2, 0] == 24.0  # the padded corner averages its single real pixel
    y = tf.nn.conv2d(x, np.ones((3, 3, 1, 1), np.float32), 1, "VALID").numpy()
    assert y[0, 0, 0, 0] == x[0, :3, :3, 0].sum()


def test_strings_and_string_tensors():
    s = tf.constant(["Hello World", "a,b"])
    assert tf.strings.lower(s).numpy().tolist() == [b"hello world", b"a,b"]
    assert tf.strings.regex_replace(s, "[,o]", "_").numpy().tolist() == [b"Hell_ W_rld", b"a_b"]
    assert tf.strings.length(s).tolist() == [11, 3]
    assert tf.strings.split("a b").numpy().tolist() == [b"a", b"b"]
    assert s[0].numpy() == b"Hello World" and tf.strings.to_number(["1.5"]).tolist() == [1.5]


def test_random_seeds_make_runs_repeatable():
    tf.random.set_seed(5)
    a = tf.random.normal((3,), seed=1)
    tf.random.set_seed(5)
    assert torch.equal(a, tf.random.normal((3,), seed=1))
    assert torch.equal(tf.random.stateless_uniform((4,), seed=[1, 2]), tf.random.stateless_uniform((4,), seed=[1, 2]))
    g = tf.random.Generator.from_seed(3)
    assert g.normal((2, 2)).shape == (2, 2)
    u = tf.random.uniform((1000,), minval=2, maxval=5, dtype=tf.int32)
    assert u.dtype == torch.int32 and int(u.min()) >= 2 and int(u.max()) <= 4


def _summary_values(path):
    """(tag, simple_value) pairs read back from an event file with a minimal protobuf reader."""
    found = []
    for record in _events.read_events(path):
        if b"brain.Event" in record:
            continue
        assert record[0] == 0x09  # Event.wall_time (field 1, fixed64): its 8 bytes may hold any value
        i = record.index(b"\x2a", 9)  # Event.summary (field 5), after wall_time and the small step varint
        summary = record[i + 2:]
        j = summary.index(b"\x0a", 2)  # Value.tag (field 1) inside the first Value
        tag = summary[j + 2:j + 2 + summary[j + 1]]
        k = j + 2 + summary[j + 1]
        if summary[k] == 0x15:  # Value.simple_value (field 2, fixed32)
            found.append((tag.decode(), struct.unpack("<f", summary[k + 1:k + 5])[0]))
    return found


def test_summary_writes_tensorboard_event_files(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        for step in range(3):
            assert tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
        tf.summary.histogram("w", np.arange(10.0), step=0)
        tf.summary.image("img", np.zeros((1, 4, 4, 3), np.float32), step=0)
        tf.summary.text("note", "hello", step=0)
    writer.close()
    assert not tf.summary.scalar("loss", 1.0, step=0)  # no default writer: nothing written, as TF
    (path,) = [os.path.join(tmp_path, f) for f in os.listdir(tmp_path)]
    assert os.path.basename(path).startswith("events.out.tfevents.")
    assert _summary_values(path)[:3] == [("loss", 1.0), ("loss", 0.5), ("loss", pytest.approx(1 / 3))]
    assert _events.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value


def test_config_compat_and_function_boilerplate():
    assert tf.config.list_physical_devices("CPU")[0].device_type == "CPU"
    tf.config.threading.set_inter_op_parallelism_threads(2)
    assert tf.executing_eagerly() and tf.test.is_gpu_available() == torch.cuda.is_available()
    cfg = tf.compat.v1.ConfigProto()
    cfg.gpu_options.allow_growth = True
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
    with pytest.raises(RuntimeError, match="graph mode"):
        tf.compat.v1.disable_eager_execution()
    with pytest.raises(RuntimeError, match="graph mode"):
        tf.compat.v1.Session()
    assert tf.compat.v1.reduce_sum is tf.reduce_sum

    @tf.function(input_signature=[tf.TensorSpec((None,), tf.float32)], jit_compile=True, reduce_retracing=True)
    def double(x):
        return x * 2
    assert double(tf.constant([1.0])).tolist() == [2.0]
    assert tf.TensorShape([None, 3]).as_list() == [None, 3] and not tf.TensorShape([None, 3]).is_fully_defined()


def test_runner_serves_the_emulation_as_tensorflow(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import tensorflow as tf
        import tensorflow.compat.v1 as tf1
        from tensorflow import keras
        from tensorflow.math import reduce_sum
        tf.random.set_seed(0)
        x = np.random.RandomState(0).rand(64, 4).astype("float32")
        y = (x.sum(1) > 2).astype("float32")[:, None]
        ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64).batch(16).prefetch(tf.data.AUTOTUNE)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        opt = keras.optimizers.SGD(0.5)
        loss_fn = keras.losses.BinaryCrossentropy()
        @tf.function
        def train_step(xb, yb):
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        losses = [float(train_step(xb, yb)) for _ in range(5) for xb, yb in ds]
        out = model(x)
        print("NUMPY", out.numpy().shape, out.shape.as_list(), reduce_sum(tf.ones(2)).numpy(), tf1.reduce_sum is tf.reduce_sum)
        model.compile(optimizer="adam", loss="binary_crossentropy")
        hist = model.fit(ds, epochs=2, verbose=0, validation_data=ds)
        print("FIT", len(hist.history["val_loss"]), np.mean(losses[-4:]) < np.mean(losses[:4]))
        """))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "torchkeras", "run", str(script)], capture_output=True, text=True,
                          env=env, timeout=300, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "NUMPY (64, 1) [64, 1] 2.0 True" in proc.stdout
    assert "FIT 2 True" in proc.stdout
