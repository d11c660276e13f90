"""Run by tests/test_distributed.py under torchrun: an unchanged Keras fit on 2 gloo ranks."""

import json
import sys

import numpy as np
import torch

import torchkeras as keras
from torchkeras import layers


def build():
    torch.manual_seed(int(sys.argv[2]) if len(sys.argv) > 2 else 0)  # different per rank: DDP syncs
    return keras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                             layers.Dense(3, activation="softmax")])


def main(out, batch_size=16):
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 4), dtype=np.float32), rng.integers(0, 3, 64)
    init = np.load(out + ".init.npz")
    model = build()
    rank = int(__import__("os").environ["RANK"])
    # Ranks other than 0 start from other weights: DDP must broadcast rank 0's.
    model.set_weights([init[k] + rank for k in sorted(init.files, key=int)])
    seen = []
    step = model._train_step
    model._train_step = lambda data: (seen.append(int(data[0].shape[0])), step(data))[1]
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0,
                     validation_data=(x[:32], y[:32]))
    with open(f"{out}.rank{rank}.json", "w") as f:
        json.dump(seen, f)
    if rank == 0:
        np.savez(out, *model.get_weights())
        with open(out + ".json", "w") as f:
            json.dump(hist.history, f)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[3]) if len(sys.argv) > 3 else 16)
