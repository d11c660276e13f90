"""The seed's MLP (784 -> 32 relu -> 10 softmax, Adam, batch 128): fit time vs a hand-written torch loop,
and a 3-layer Dense model's batch-1 call vs the same plain nn.Sequential. One run, interleaved."""

import numpy as np
import torch

import torchkeras as keras
from benchmarks.common import hand_written_fit, interleaved, report, setup_threads
from torchkeras import layers


def data(n=60000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return x, keras.utils.to_categorical(y, 10)


def torchkeras_fit(x, y, epochs):
    model = keras.Sequential([layers.Dense(32, activation="relu", input_shape=(784,)),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return lambda: model.fit(x, y, batch_size=128, epochs=epochs, verbose=0)


def torch_fit(x, y, epochs):
    """What a good engineer writes by hand: tensors indexed with a randperm, torch.optim.Adam."""
    net = torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    return hand_written_fit(net, torch.from_numpy(x), torch.from_numpy(y.argmax(-1)), epochs, 128)


def call_latency():
    model = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(32,)),
                              layers.Dense(64, activation="relu"), layers.Dense(10)])
    plain = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10))
    xb = torch.randn(1, 32)

    def loop(fn, n=5000):
        def run():
            with torch.no_grad():
                for _ in range(n):
                    fn(xb)
        return run
    res = interleaved({"plain nn.Sequential": loop(plain), "torchkeras Sequential": loop(model)}, repeats=7)
    return {k: v / 5000 for k, v in res.items()}


def main(epochs=2, rows=60000):
    setup_threads()
    x, y = data(rows)
    texts = [report(f"MLP fit, {rows} rows, {epochs} epochs, batch 128",
                    interleaved({"hand-written torch": torch_fit(x, y, epochs),
                                 "torchkeras": torchkeras_fit(x, y, epochs)}, repeats=3),
                    "hand-written torch")]
    texts.append(report("3-layer Dense model, batch-1 call", call_latency(), "plain nn.Sequential"))
    return "\n\n".join(texts)


if __name__ == "__main__":
    main()
