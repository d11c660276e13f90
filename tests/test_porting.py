"""The porting runner: unmodified Keras / tf.keras scripts run on torchkeras in a subprocess."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from torchkeras import cli
from torchkeras.porting import keras2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_script(tmp_path, source, *args):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "torchkeras", "run", str(script), *args],
                          capture_output=True, text=True, env=env, timeout=300, cwd=str(tmp_path))


def test_every_import_style_resolves_to_torchkeras(tmp_path):
    proc = run_script(tmp_path, """
        import sys
        import keras
        from keras import layers
        from keras.layers import Dense
        from tensorflow import keras as tfk
        import tensorflow as tf
        from tensorflow.keras.layers import Dense as TFDense
        import tensorflow.keras.backend as K
        from keras.layers.core import Dense as CoreDense, Activation
        from keras.layers import core, convolutional, recurrent
        from keras.utils.np_utils import to_categorical
        from keras.utils import pad_sequences
        from keras.preprocessing.sequence import pad_sequences as pad2
        from keras.engine.topology import Layer
        from keras.src.layers import Dense as SrcDense
        import torchkeras
        assert Dense is torchkeras.layers.Dense is TFDense is CoreDense is SrcDense is tf.keras.layers.Dense
        assert tfk.layers.Dense is layers.Dense is keras.layers.Dense
        assert Layer is torchkeras.layers.Layer and pad2 is pad_sequences
        assert K.epsilon() == 1e-7 and to_categorical([1], 3).tolist() == [[0, 1, 0]]
        # torchkeras itself is untouched by the aliases the import system set up
        assert torchkeras.layers.core.__name__ == "torchkeras.layers.core"
        real = [m for m, mod in list(sys.modules.items()) if m.split(".")[0] in ("keras", "tensorflow", "tf_keras")
                and not type(mod).__module__.startswith("torchkeras")]
        assert not real, real
        assert type(sys.modules["tensorflow"]).__module__.startswith("torchkeras")
        print("ARGV", sys.argv[1:], "MAIN", __name__)
        """, "--epochs", "3", "x")
    assert proc.returncode == 0, proc.stderr
    assert "ARGV ['--epochs', '3', 'x'] MAIN __main__" in proc.stdout


def test_a_keras_script_trains_and_the_tf_boilerplate_maps_to_torch(tmp_path):
    proc = run_script(tmp_path, """
        import numpy as np
        import tensorflow as tf
        from tensorflow import keras
        tf.random.set_seed(0)
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
        assert tf.config.list_physical_devices("CPU")[0].device_type == "CPU"
        c = tf.constant([[1.0, 2.0]])
        print("CONST", tuple(c.shape), str(c.dtype), str(tf.constant([1, 2]).dtype),
              str(tf.convert_to_tensor(np.zeros(2)).dtype), tf.constant(0.5, shape=(2,)).tolist())
        x = np.random.RandomState(0).rand(32, 4).astype("float32")
        y = (x.sum(1) > 2).astype("float32")
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
        print("CLASSES", model.predict_classes(x[:3]).shape)
        """)
    assert proc.returncode == 0, proc.stderr
    assert "CONST (1, 2) torch.float32 torch.int32 torch.float64 [0.5, 0.5]" in proc.stdout
    assert "CLASSES (3, 1)" in proc.stdout
    assert "predict_classes()` was removed in Keras 3" in proc.stderr


@pytest.mark.parametrize("line,symbol", [("tf.raw_ops.AddV2", "tf.raw_ops"),
                                         ("tf.sparse.SparseTensor", "tf.sparse"),
                                         ("tf.math.segment_max([1.0], [0])", "tf.math.segment_max")])
def test_unsupported_tensorflow_symbol_stops_with_a_clear_error(tmp_path, line, symbol):
    proc = run_script(tmp_path, f"import tensorflow as tf\n{line}\n")
    assert proc.returncode != 0
    assert f"`{symbol}` is TensorFlow, which torchkeras does not emulate" in proc.stderr


def test_unsupported_modules_fail_clearly(tmp_path):
    proc = run_script(tmp_path, """
        try:
            import tensorflow.lite as tf
        except ModuleNotFoundError as e:
            print("TF", "does not emulate" in str(e))
        try:
            from keras.layers import NoSuchLayer
        except ImportError as e:
            print("LAYER", "does not provide `keras.layers.NoSuchLayer`" in str(e))
        try:
            import keras.wrappers.scikit_learn
        except ModuleNotFoundError as e:
            print("MOD", "no counterpart" in str(e))
        import tensorflow as tf
        print("HASATTR", hasattr(tf, "RaggedTensor"))
        """)
    assert proc.returncode == 0, proc.stderr
    for tag in ("TF", "LAYER", "MOD"):
        assert f"{tag} True" in proc.stdout
    assert "HASATTR False" in proc.stdout


def test_cli_version_and_usage(capsys):
    assert cli.main(["--version"]) == 0
    assert "torchkeras" in capsys.readouterr().out
    assert cli.main([]) == 2
    assert cli._split(["run", "a.py", "--lr", "1"]) == (["run", "a.py"], ["--lr", "1"])
    assert cli._split(["run", "-m", "pkg.mod", "-v"]) == (["run", "-m", "pkg.mod"], ["-v"])


class _FakeModel:
    def __init__(self, out):
        self.out, self.calls = out, []

    def predict(self, x, batch_size=None, verbose=0, steps=None, **kwargs):
        self.calls.append(("predict", steps, kwargs))
        return self.out

    def evaluate(self, x, steps=None, **kwargs):
        self.calls.append(("evaluate", steps, kwargs))
        return 0.5

    def fit(self, x, **kwargs):
        self.calls.append(("fit", kwargs))


def test_keras2_model_idioms():
    soft = _FakeModel(np.array([[0.1, 0.9], [0.8, 0.2]]))
    sig = _FakeModel(np.array([[0.7], [0.2]]))
    with pytest.warns(DeprecationWarning):
        assert keras2.predict_classes(soft, None).tolist() == [1, 0]
    assert keras2.predict_classes(sig, None).tolist() == [[1], [0]]
    m = _FakeModel(None)
    keras2.fit_generator(m, iter([]), steps_per_epoch=3, nb_epoch=2, workers=4, use_multiprocessing=True)
    assert m.calls[-1] == ("fit", {"steps_per_epoch": 3, "epochs": 2})
    assert keras2.evaluate_generator(m, iter([]), steps=2, max_queue_size=5) == 0.5
    assert m.calls[-1] == ("evaluate", 2, {"verbose": 0})
    keras2.predict_generator(m, iter([]), steps=4)
    assert m.calls[-1] == ("predict", 4, {})

    class Host:
        def fit_generator(self):
            return "own"
    keras2.attach(Host)
    assert Host().fit_generator() == "own" and Host.predict_classes is keras2.predict_classes


def test_cudnn_layers_refuse_configurable_activations():
    with pytest.raises(TypeError, match="activation"):
        keras2.CuDNNLSTM(4, activation="relu")
