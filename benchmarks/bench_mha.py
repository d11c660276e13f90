"""MultiHeadAttention forward+backward: torchkeras vs the same ops written by hand in torch.

Batch 32, sequence 128, d_model 128, 4 heads (key_dim 32), self-attention, CPU, float32. The
hand-written module is what a torch user writes: four nn.Linear projections, a head split, the
fused F.scaled_dot_product_attention and the output projection. Both are timed interleaved in one
process with the same thread count; the ratio is torchkeras time / torch time (median of rounds).

    python benchmarks/bench_mha.py [--rounds 7] [--steps 20]
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

import torchkeras as keras

BATCH, SEQ, D_MODEL, HEADS = 32, 128, 128, 4


class TorchMHA(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d_model // heads
        self.q, self.k, self.v = (nn.Linear(d_model, d_model) for _ in range(3))
        self.out = nn.Linear(d_model, d_model)

    def forward(self, query, value):
        b, t, _ = query.shape
        s = value.shape[1]
        q = self.q(query).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k(value).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        v = self.v(value).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        o = F.scaled_dot_product_attention(q, k, v)
        return self.out(o.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


def step(module, x):
    out = module(x, x)
    out.sum().backward()
    for p in module.parameters():
        p.grad = None


def timed(module, x, steps):
    start = time.perf_counter()
    for _ in range(steps):
        step(module, x)
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    x = torch.randn(BATCH, SEQ, D_MODEL, requires_grad=True)
    ours = keras.layers.MultiHeadAttention(num_heads=HEADS, key_dim=D_MODEL // HEADS)
    ours(x, x)
    ref = TorchMHA(D_MODEL, HEADS)
    # Same weights on both sides, so both do identical work (and the outputs can be checked).
    with torch.no_grad():
        for lin, dense in zip((ref.q, ref.k, ref.v), (ours.query_dense, ours.key_dense, ours.value_dense)):
            lin.weight.copy_(dense.kernel.reshape(D_MODEL, -1).t())
            lin.bias.copy_(dense.bias.reshape(-1))
        ref.out.weight.copy_(ours.output_dense.kernel.reshape(-1, D_MODEL).t())
        ref.out.bias.copy_(ours.output_dense.bias)
        err = (ours(x, x) - ref(x, x)).abs().max().item()
    for module in (ours, ref):
        for _ in range(3):
            step(module, x)
    t_ours, t_ref = [], []
    for _ in range(args.rounds):
        t_ours.append(timed(ours, x, args.steps))
        t_ref.append(timed(ref, x, args.steps))
    mo, mr = statistics.median(t_ours), statistics.median(t_ref)
    print(f"MultiHeadAttention fwd+bwd, batch {BATCH}, seq {SEQ}, d_model {D_MODEL}, {HEADS} heads, "
          f"{torch.get_num_threads()} threads (max |ours - torch| = {err:.1e})")
    print(f"  torchkeras      {mo * 1e3:8.2f} ms/step")
    print(f"  hand-written    {mr * 1e3:8.2f} ms/step")
    print(f"  ratio           {mo / mr:8.3f}x")


if __name__ == "__main__":
    main()
