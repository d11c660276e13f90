"""Text classifier Embedding(5000, 64) -> LSTM(64) -> Dense(10, softmax) on 4000 x 80 tokens, batch 128,
Adam: fit time of torchkeras vs the same model hand-written in torch (interleaved in one run), and vs
Keras 3 with the torch backend (in a subprocess with KERAS_BACKEND=torch, same data, same thread count).

Run: python -m benchmarks.bench_lstm [epochs]
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import torch

import torchkeras as keras
from benchmarks.common import hand_written_fit, interleaved, report, setup_threads
from torchkeras import layers

VOCAB, EMB, UNITS, CLASSES, ROWS, STEPS, BATCH = 5000, 64, 64, 10, 4000, 80, 128


def data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(1, VOCAB, (ROWS, STEPS)).astype(np.int64), rng.integers(0, CLASSES, ROWS).astype(np.int64)


def torchkeras_fit(x, y, epochs):
    model = keras.Sequential([layers.Embedding(VOCAB, EMB), layers.LSTM(UNITS),
                              layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return lambda: model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)


class _TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(VOCAB, EMB)
        self.lstm = torch.nn.LSTM(EMB, UNITS, batch_first=True)
        self.out = torch.nn.Linear(UNITS, CLASSES)

    def forward(self, ids):
        _, (h, _) = self.lstm(self.emb(ids))
        return self.out(h[0])


def torch_fit(x, y, epochs):
    """What a good engineer writes by hand: tensors indexed with a randperm, torch.optim.Adam."""
    return hand_written_fit(_TorchNet(), torch.from_numpy(x), torch.from_numpy(y), epochs, BATCH)


_KERAS_SCRIPT = textwrap.dedent("""
    import json, os, statistics, sys, time
    import numpy as np, torch
    torch.set_num_threads({threads})
    import keras
    rng = np.random.default_rng(0)
    x = rng.integers(1, {vocab}, ({rows}, {steps})).astype(np.int64)
    y = rng.integers(0, {classes}, {rows}).astype(np.int64)
    m = keras.Sequential([keras.layers.Embedding({vocab}, {emb}), keras.layers.LSTM({units}),
                          keras.layers.Dense({classes}, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(x, y, batch_size={batch}, epochs=1, verbose=0)
    times = []
    for _ in range({repeats}):
        t = time.perf_counter()
        m.fit(x, y, batch_size={batch}, epochs={epochs}, verbose=0)
        times.append(time.perf_counter() - t)
    print("RESULT " + json.dumps({{"median": statistics.median(times), "device": str(m.layers[1].weights[0].value.device)}}))
""")


def keras3_torch_fit(epochs, repeats, threads):
    """Median fit time of Keras 3 (torch backend) in a subprocess, or None when it cannot run."""
    script = _KERAS_SCRIPT.format(threads=threads, vocab=VOCAB, rows=ROWS, steps=STEPS, classes=CLASSES, emb=EMB,
                                  units=UNITS, batch=BATCH, repeats=repeats, epochs=epochs)
    env = dict(os.environ, KERAS_BACKEND="torch")
    try:
        proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as err:
        print(f"Keras 3 (torch backend) could not run: {err}")
        return None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])["median"]
    print("Keras 3 (torch backend) could not run:\n" + proc.stderr[-2000:])
    return None


def main(epochs=1, repeats=3, threads=2):
    setup_threads(threads)
    x, y = data()
    res = interleaved({"hand-written torch": torch_fit(x, y, epochs), "torchkeras": torchkeras_fit(x, y, epochs)},
                      repeats=repeats)
    k3 = keras3_torch_fit(epochs, repeats, threads)
    if k3 is not None:
        res["Keras 3 (torch backend, subprocess)"] = k3
    text = report(f"LSTM text classifier fit, {ROWS} x {STEPS} tokens, {epochs} epoch(s), batch {BATCH}, "
                  f"{threads} threads, {'cuda' if torch.cuda.is_available() else 'cpu'}", res, "hand-written torch")
    if k3 is not None:
        print(f"\nKeras 3 (torch) / torchkeras: {k3 / res['torchkeras']:.2f}x")
    return text


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
