"""DDP under torchrun: 2 CPU ranks on gloo train to the weights of one process on the same global
batches; fewer samples per batch than ranks is a clear error."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import distribution, layers

WORKER = os.path.join(os.path.dirname(__file__), "_ddp_worker.py")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(out, batch_size=16, nproc=2):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1",
           f"--nproc_per_node={nproc}", "--master_addr=127.0.0.1",
           f"--master_port={_free_port()}", WORKER, out, "0", str(batch_size)]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.getcwd())
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)


def _model():
    return keras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                             layers.Dense(3, activation="softmax")])


@pytest.fixture
def init_weights(tmp_path):
    torch.manual_seed(1)
    model = _model()
    out = str(tmp_path / "w")
    np.savez(out + ".init.npz", **{str(i): w for i, w in enumerate(model.get_weights())})
    return out, model


def test_two_gloo_ranks_match_one_process(init_weights):
    out, model = init_weights
    proc = _torchrun(out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 4), dtype=np.float32), rng.integers(0, 3, 64)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                     validation_data=(x[:32], y[:32]))
    for rank in (0, 1):  # each rank trained on its half of every global batch of 16
        with open(f"{out}.rank{rank}.json") as f:
            assert json.load(f) == [8] * 8
    ddp = np.load(out + ".npz")
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(ddp[f"arr_{i}"], w, atol=1e-6, rtol=1e-5)
    with open(out + ".json") as f:
        ddp_hist = json.load(f)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(ddp_hist[key], hist.history[key], rtol=1e-5, atol=1e-6)


def test_more_ranks_than_samples_per_batch_is_an_error(init_weights):
    out, _ = init_weights
    proc = _torchrun(out, batch_size=1)
    assert proc.returncode != 0
    assert "each process needs at least one" in proc.stderr


def test_data_parallel_api():
    dp = distribution.DataParallel()
    assert dp.devices == distribution.list_devices()
    distribution.set_distribution(dp)
    try:
        assert distribution.distribution() is dp
    finally:
        distribution.set_distribution(None)
    with dp.scope():
        assert distribution.distribution() is dp
    assert distribution.distribution() is None
    with pytest.raises(ValueError, match="DataParallel"):
        distribution.set_distribution("model_parallel")
