"""`python -m conformance check`: a user's model file compared across real Keras and torchkeras."""

import subprocess
import sys

import numpy as np
import pytest
import torch  # noqa: F401  (torch before TensorFlow)

import torchkeras
from conformance import check, reference


def build(k):
    inp = k.Input((6,))
    h = k.layers.Dense(8, activation="relu", name="hidden")(inp)
    out = k.layers.Dense(3, activation="softmax", name="probs")(h)
    return k.Model(inp, out)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    keras = reference.load()
    d = tmp_path_factory.mktemp("check")
    m = build(keras)
    m.compile("adam", "categorical_crossentropy")
    m.save(d / "m.keras")
    m.save_weights(d / "m.weights.h5")
    np.save(d / "x.npy", np.random.default_rng(3).standard_normal((5, 6)).astype("float32"))
    return d


def test_matching_file_exits_zero_with_a_layer_table(files, capsys):
    rc = check.main([str(files / "m.keras"), "--inputs", str(files / "x.npy"), "--train-steps", "2"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "hidden" in out and "probs" in out and "RESULT: MATCH" in out
    assert out.count("step ") == 2


def test_weights_file_with_a_builder(files, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "check_builder_mod", sys.modules[__name__])
    rc = check.main([str(files / "m.weights.h5"), "--builder", "check_builder_mod:build"])
    assert rc == 0, capsys.readouterr().out


def test_a_divergent_layer_is_named_and_fails(files, capsys, monkeypatch):
    dense_call = torchkeras.layers.Dense.call

    def off_by_a_bit(self, inputs, *a, **kw):
        out = dense_call(self, inputs, *a, **kw)
        return out + 1e-3 if self.name == "hidden" else out

    monkeypatch.setattr(torchkeras.layers.Dense, "call", off_by_a_bit)
    rc = check.main([str(files / "m.keras")])
    out = capsys.readouterr().out
    assert rc == 1
    assert "first diverging layer: hidden (Dense" in out
    assert "RESULT: MISMATCH" in out


def test_bad_usage_is_refused_clearly(files):
    with pytest.raises(SystemExit, match="does not exist"):
        check.main([str(files / "missing.keras")])
    with pytest.raises(SystemExit, match="--builder"):
        check.main([str(files / "m.weights.h5")])


def test_module_entry_point(files):
    proc = subprocess.run([sys.executable, "-m", "conformance", "check", str(files / "m.keras")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RESULT: MATCH" in proc.stdout
    assert "absl::InitializeLog" not in proc.stderr
