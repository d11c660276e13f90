"""Small CNN, forward+backward per batch: torchkeras layers vs the same network hand-written in torch.

Network (Keras's MNIST convnet): Conv2D 32 3x3 relu -> MaxPooling2D -> Conv2D 64 3x3 relu -> MaxPooling2D
-> Flatten -> Dropout 0.5 -> Dense 10 softmax; input 28x28x1, batch 128. torchkeras runs channels_last
(Keras's default), the baseline NCHW with nn.Conv2d (DESIGN.md "Benchmarks"). Both run in one process,
same threads, batches interleaved; each step is forward, loss, backward (no optimizer step).

    python benchmarks/bench_cnn.py [--steps 40] [--threads N] [--device cpu|cuda]
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

import torchkeras.layers as L


class TorchCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(64 * 5 * 5, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(self.drop(torch.flatten(x, 1)))


def _flatten_layer():
    if hasattr(L, "Flatten"):
        return L.Flatten()

    class _Flatten(nn.Module):  # until torchkeras.layers.Flatten exists
        def forward(self, x):
            return x.reshape(x.shape[0], -1)
    return _Flatten()


class KerasCNN(nn.Module):
    """The torchkeras layers chained directly (what a Sequential model runs)."""

    def __init__(self, device):
        super().__init__()
        self.stack = nn.ModuleList([
            L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(), L.Conv2D(64, 3, activation="relu"),
            L.MaxPooling2D(), _flatten_layer(), L.Dropout(0.5), L.Dense(10, activation="softmax")])
        x = torch.zeros(2, 28, 28, 1, device=device)
        for layer in self.stack:  # build on the target device
            x = layer(x)

    def forward(self, x):
        for layer in self.stack:
            x = layer(x, training=True) if isinstance(layer, L.Dropout) else layer(x)
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=None, help="torch threads for both sides")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    dev = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
    ours, ref = KerasCNN(dev).to(dev), TorchCNN().to(dev)
    x_nhwc = torch.rand(args.batch, 28, 28, 1, device=dev)
    x_nchw = x_nhwc.permute(0, 3, 1, 2).contiguous()
    y = torch.randint(0, 10, (args.batch,), device=dev)

    def step_ours():
        probs = ours(x_nhwc)
        F.nll_loss(torch.log(probs), y).backward()

    def step_ref():
        F.cross_entropy(ref(x_nchw), y).backward()

    def timed(fn):
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t

    for _ in range(5):
        step_ours(), step_ref()
    t_ours, t_ref = [], []
    for i in range(args.steps):
        # alternate the order so neither side always runs on a warmer cache
        if i % 2:
            t_ours.append(timed(step_ours)), t_ref.append(timed(step_ref))
        else:
            t_ref.append(timed(step_ref)), t_ours.append(timed(step_ours))
    med_o, med_r = statistics.median(t_ours), statistics.median(t_ref)
    print(f"device={dev} threads={torch.get_num_threads()} batch={args.batch} steps={args.steps}")
    print(f"torchkeras   fwd+bwd per batch: median {med_o * 1e3:7.2f} ms  min {min(t_ours) * 1e3:7.2f} ms")
    print(f"hand torch   fwd+bwd per batch: median {med_r * 1e3:7.2f} ms  min {min(t_ref) * 1e3:7.2f} ms")
    # each step's pair ran back to back, so the per-pair ratio is the least sensitive to a busy machine
    paired = statistics.median(o / r for o, r in zip(t_ours, t_ref))
    print(f"ratio torchkeras / torch: median {med_o / med_r:.3f}  min {min(t_ours) / min(t_ref):.3f}  "
          f"paired median {paired:.3f}")


if __name__ == "__main__":
    main()
