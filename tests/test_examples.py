"""Every script in examples/ runs unmodified (plain Keras imports) through `python -m torchkeras run`,
learns its task, and writes its training-curve PNG."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")

# script -> (epochs for CI, lowest acceptable test accuracy). Chance is 0.1 (digits), 0.5 and 0.33 (text).
TRAINED = {
    "mlp_sequential.py": (5, 0.85),
    "mlp_functional.py": (5, 0.85),
    "cnn_digits.py": (3, 0.80),
    "lstm_text.py": (4, 0.75),
    "bigru_text.py": (3, 0.70),
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_example(name, *args, cwd):
    # One intra-op thread: on a shared 2-core runner, torch's thread pool spinning against other
    # processes makes these small models many times slower, not faster.
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "torchkeras", "run", os.path.join(EXAMPLES, name), *args],
                          capture_output=True, text=True, env=env, timeout=240, cwd=str(cwd))


def test_examples_are_plain_keras_scripts():
    for name in [*TRAINED, "seed_snippets.py"]:
        source = open(os.path.join(EXAMPLES, name)).read()
        assert not re.search(r"^\s*(import|from) torchkeras", source, re.M), name
        assert re.search(r"^(import keras|from keras|from tensorflow|import tensorflow)", source, re.M), name


@pytest.mark.parametrize("name", sorted(TRAINED))
def test_example_trains_and_plots(name, tmp_path):
    pytest.importorskip("sklearn")
    epochs, floor = TRAINED[name]
    png = tmp_path / "curves.png"
    proc = run_example(name, "--epochs", str(epochs), "--plot", str(png), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    found = re.search(r"test accuracy: ([0-9.]+)", proc.stdout)
    assert found, proc.stdout[-2000:]
    assert float(found.group(1)) >= floor, proc.stdout[-2000:]
    assert f"Epoch {epochs}/{epochs}" in proc.stdout
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in proc.stdout
    else:
        assert png.read_bytes()[:8] == PNG_MAGIC


def test_seed_snippets(tmp_path):
    proc = run_example("seed_snippets.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "all seed snippets ran" in proc.stdout
    assert "Embedding(100, 64, input_length=32): (100, 32, 64)" in proc.stdout


def test_missing_matplotlib_only_skips_the_plot(tmp_path):
    pytest.importorskip("sklearn")
    # A `matplotlib` that fails to import, placed first on the path.
    (tmp_path / "matplotlib.py").write_text("raise ImportError('no matplotlib here')\n")
    env_path = str(tmp_path)
    png = tmp_path / "curves.png"
    env = dict(os.environ, PYTHONPATH=env_path + os.pathsep + ROOT, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "torchkeras", "run", os.path.join(EXAMPLES, "mlp_functional.py"),
                           "--epochs", "1", "--plot", str(png)], capture_output=True, text=True, env=env,
                          timeout=240, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "matplotlib is not installed" in proc.stdout
    assert not png.exists()
