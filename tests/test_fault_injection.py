"""Faults injected on purpose: processes killed mid-save and mid-fit, over a thousand corrupted model
files, a distributed worker that dies, NaN data. Each must end in a clear error or an exact recovery."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_py(code, cwd, timeout=300, env=None):
    full_env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", **(env or {}))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(cwd), env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def test_a_thousand_corrupted_files_fail_clearly(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "fuzz.json"
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    try:
        proc = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "_fuzz_worker.py"), str(work), "320",
                               str(out)], env=env, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        progress = (tmp_path / "fuzz.json.progress").read_text() if (tmp_path / "fuzz.json.progress").exists() else "?"
        pytest.fail(f"loading a corrupted file hung (last case: {progress})")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    counts = report["counts"]
    assert report["total"] >= 1000
    assert set(counts) <= {"ok", "clear"}, report["bad"]
    assert counts.get("clear", 0) >= 800
    assert report["outside"] == []


SAVE_THEN_DIE = """
    import os, signal
    import numpy as np
    import torchkeras as keras
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64), keras.layers.Dense(3)])
    model.save("{name}") if "{name}".endswith(".keras") else model.save_weights("{name}")
    np.save("first.npy", model.layers[0].get_weights()[0])
    model.layers[0].set_weights([w + 1 for w in model.layers[0].get_weights()])
    import h5py
    real = h5py.Group.create_dataset
    def dying(self, *a, **k):
        out = real(self, *a, **k)
        os.kill(os.getpid(), signal.SIGKILL)  # the second save dies half-way through
        return out
    h5py.Group.create_dataset = dying
    model.save("{name}") if "{name}".endswith(".keras") else model.save_weights("{name}")
"""


@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5"])
def test_a_process_killed_while_saving_leaves_the_previous_file(tmp_path, name):
    proc = run_py(SAVE_THEN_DIE.format(name=name), tmp_path)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    import torchkeras as keras

    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64), keras.layers.Dense(3)])
    if name.endswith(".keras"):
        model = keras.saving.load_model(tmp_path / name)
    else:
        model.load_weights(tmp_path / name)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], np.load(tmp_path / "first.npy"))


FIT_WITH_BACKUP = """
    import json, os, signal, sys
    import numpy as np
    import torchkeras as keras
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 6)).astype("float32")
    y = (x[:, :3] @ rng.standard_normal((3, 2))).astype("float32")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    kill_at = int(sys.argv[1]) if len(sys.argv) > 1 else -1

    class Killer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self._epoch == kill_at and batch == 2 and not os.path.exists("killed"):
                open("killed", "w").close()
                os.kill(os.getpid(), signal.SIGKILL)
        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch

    hist = model.fit(x, y, epochs=5, batch_size=16, shuffle=True, verbose=0,
                     callbacks=[keras.callbacks.BackupAndRestore("backup"), Killer()])
    np.save("weights.npy", np.concatenate([w.ravel() for w in model.get_weights()]))
    json.dump(hist.history, open("history.json", "w"))
"""


def test_fit_killed_mid_epoch_resumes_to_the_same_result(tmp_path):
    straight, crashed = tmp_path / "straight", tmp_path / "crashed"
    straight.mkdir()
    crashed.mkdir()
    code = FIT_WITH_BACKUP.replace("int(sys.argv[1]) if len(sys.argv) > 1 else -1", "{kill}")
    ok = run_py(code.format(kill=-1), straight)
    assert ok.returncode == 0, ok.stderr[-2000:]
    first = run_py(code.format(kill=3), crashed)
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    assert not (crashed / "weights.npy").exists()
    second = run_py(code.format(kill=3), crashed)
    assert second.returncode == 0, second.stderr[-2000:]
    np.testing.assert_array_equal(np.load(crashed / "weights.npy"), np.load(straight / "weights.npy"))
    assert json.loads((crashed / "history.json").read_text()) == json.loads((straight / "history.json").read_text())


WORKER = """
    import os, sys
    import numpy as np
    import torchkeras as keras
    rank = int(os.environ["RANK"])

    class Die(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if rank == 1 and batch == 3:
                os._exit(3)  # a worker that dies mid-epoch, without any goodbye

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(rank).standard_normal((512, 4)).astype("float32")
    model.fit(x, x[:, :1], epochs=50, batch_size=8, verbose=0, callbacks=[Die()])
"""


def test_a_dying_distributed_worker_stops_the_others(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER))
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
                           f"--master_port={port}", str(script)], env=env, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode != 0
    assert "exitcode  : 3" in proc.stderr or "exit code 3" in proc.stderr or "exitcode: 3" in proc.stderr, \
        proc.stderr[-3000:]


def test_nan_losses_stop_training_and_are_never_checkpointed(tmp_path):
    import torchkeras as keras

    x = np.ones((64, 3), "float32")
    x[40:] = np.nan
    y = np.ones((64, 1), "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    path = tmp_path / "best.weights.h5"
    ckpt = keras.callbacks.ModelCheckpoint(str(path), save_weights_only=True, save_freq=1)
    with pytest.warns(UserWarning, match="non-finite"):
        hist = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
                         callbacks=[keras.callbacks.TerminateOnNaN(), ckpt])
    assert len(hist.history["loss"]) <= 1 and model.stop_training
    saved = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    saved.load_weights(path)
    assert all(np.isfinite(w).all() for w in saved.get_weights())
    with pytest.raises(RuntimeError, match="NaN"):
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)])
