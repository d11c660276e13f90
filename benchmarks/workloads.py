"""The report's workloads, defined once for every implementation: the same data (numpy, seed 0),
the same model, Adam, batch 128. `build_keras(keras, name)` works for torchkeras, Keras 3 and
tf.keras alike; `TorchNets` are the hand-written torch equivalents (DESIGN.md "Benchmarks")."""

import numpy as np
import torch
from torch import nn

from benchmarks import realistic
from benchmarks.common import hand_written_fit

SIZES = {"mlp": dict(rows=60000, epochs=2), "cnn": dict(rows=8000, epochs=1),
         "lstm": dict(rows=4000, epochs=1), "resnet": dict(rows=512, epochs=1),
         "transformer": dict(rows=512, epochs=1)}
PREDICT = ("resnet", "transformer")  # also timed in predict (all rows, batch BATCH)
REALISTIC = ("resnet", "transformer")  # defined in realistic.py
BATCH = 128


def data(name, rows):
    if name in REALISTIC:
        return realistic.data(name, rows)
    rng = np.random.default_rng(0)
    if name == "mlp":
        x = rng.random((rows, 784), dtype=np.float32)
    elif name == "cnn":
        x = rng.random((rows, 28, 28, 1), dtype=np.float32)
    else:
        x = rng.integers(1, 5000, (rows, 80)).astype(np.int64)
    return x, rng.integers(0, 10, rows).astype(np.int64)


def build_keras(keras, name, policy=None):
    """The workload's model, compiled; `policy` (e.g. "mixed_float16") is the global dtype
    policy while its layers are made."""
    if policy is not None:
        keras.mixed_precision.set_global_policy(policy)
        try:
            return build_keras(keras, name)
        finally:
            keras.mixed_precision.set_global_policy(None)
    if name in REALISTIC:
        return realistic.build_keras(keras, name)
    L = keras.layers
    if name == "mlp":
        shape, stack = (784,), [L.Dense(32, activation="relu"), L.Dense(10, activation="softmax")]
    elif name == "cnn":
        shape, stack = (28, 28, 1), [L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
                 L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
                 L.Dense(10, activation="softmax")]
    elif name == "lstm":
        shape, stack = (80,), [L.Embedding(5000, 64), L.LSTM(64),
                 L.Dense(10, activation="softmax")]
    else:  # "latency": a 3-layer Dense model
        shape, stack = (32,), [L.Dense(64, activation="relu"), L.Dense(64, activation="relu"),
                 L.Dense(10)]
    # Sequential([Input(...), ...]) is Keras 3's idiom, but torchkeras's Sequential rejects an
    # Input as its first element (reported); build() works the same for all three.
    model = keras.Sequential(stack)
    model.build((None,) + shape)
    if name != "latency":
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class _Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb, self.lstm, self.out = nn.Embedding(5000, 64), nn.LSTM(64, 64, batch_first=True), nn.Linear(64, 10)

    def forward(self, ids):
        return self.out(self.lstm(self.emb(ids))[1][0][0])


def torch_net(name):
    if name in REALISTIC:
        return realistic.torch_net(name)
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    if name == "cnn":  # NCHW, as a torch engineer writes it
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 10))
    if name == "lstm":
        return _Lstm()
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def torch_fit(name, x, y, epochs):
    """Tensors indexed with a randperm (no DataLoader), torch.optim.Adam, accuracy on device."""
    return hand_written_fit(torch_net(name), torch_input(name, x), torch.from_numpy(y), epochs, BATCH)


def torch_input(name, x):
    """The hand-written side's input tensor (NCHW for the convnets)."""
    if name in REALISTIC:
        return realistic.torch_input(name, x)
    return torch.from_numpy(x if name != "cnn" else np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

