"""A corpus of independent Keras scripts, written as tutorials write Keras 2 / tf.keras / Keras 3 code,
each run unmodified through `python -m torchkeras run` and ending with its own checks and "OK"."""

import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = sorted(glob.glob(os.path.join(ROOT, "tests", "porting_scripts", "*.py")))


def test_corpus_is_large_enough():
    assert len(SCRIPTS) >= 15


@pytest.mark.parametrize("script", SCRIPTS, ids=[os.path.basename(s)[:-3] for s in SCRIPTS])
def test_script_runs_unmodified(script, tmp_path):
    # One intra-op thread: these models are tiny and CI runners are shared.
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "torchkeras", "run", script], capture_output=True, text=True,
                          env=env, timeout=240, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert proc.stdout.rstrip().endswith("OK"), proc.stdout[-2000:]
    # Never the real thing: the runner must not have imported TensorFlow or Keras.
    assert "oneDNN" not in proc.stderr and "TF_CPP" not in proc.stderr


def test_py_dataset_base_class():
    from torchkeras.utils import PyDataset, Sequence

    assert Sequence is PyDataset

    class Keras2Style(Sequence):  # never calls super().__init__(), as many Keras 2 Sequences
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return [i], [i]

    ds = Keras2Style()
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (1, False, 10)
    assert ds.num_batches == 3 and list(ds) == [([0], [0]), ([1], [1]), ([2], [2])]

    class ByNumBatches(PyDataset):
        num_batches = property(lambda self: 2)

    assert len(ByNumBatches()) == 2
    with pytest.raises(NotImplementedError, match="__len__"):
        len(PyDataset())
    with pytest.raises(ValueError, match="workers"):
        PyDataset(workers=-1)  # Keras accepts 0 (no worker processes), not negatives
