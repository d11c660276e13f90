"""MultiHeadAttention forward+backward, and a Transformer encoder's fit: torchkeras vs the same ops
written by hand in torch.

1. The layer alone: batch 32, sequence 128, d_model 128, 4 heads (key_dim 32), self-attention,
   float32. The hand-written module is what a torch user writes: three nn.Linear projections, a
   head split, the fused F.scaled_dot_product_attention and the output nn.Linear; both sides
   hold the same weights, so they do identical work (the maximum output difference is printed).
   Timed: a training step (forward + backward) and a no_grad inference forward. `--dropout`
   gives both sides attention dropout (torch: SDPA's dropout_p while training).
2. (skipped with `--no-fit`) the report's Transformer text classifier (benchmarks/realistic.py: Embedding +
   positions, MultiHeadAttention, Add + LayerNormalization, Dense feed-forward, pooling, Dense)
   trained with `Model.fit` vs the hand-written torch loop (benchmarks/common.py), one epoch per
   sample.

Both sides run interleaved in one process with the same thread count, the order flipped every
round. Each sample records wall time and this process's CPU time (user + system: less disturbed
by other work on a shared machine); the ratios are torchkeras / torch, the median over rounds of
the per-round ratio.

    python -m benchmarks.bench_mha [--rounds 15] [--steps 5] [--threads 2] [--heads 4]
                                   [--d-model 128] [--dropout 0.0] [--no-fit] [--fit-rows 512]
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

import torchkeras as keras
from benchmarks.common import setup_threads

BATCH, SEQ = 32, 128


class TorchMHA(nn.Module):
    def __init__(self, d_model, heads, dropout=0.0):
        super().__init__()
        self.heads, self.head_dim, self.dropout = heads, d_model // heads, dropout
        self.q, self.k, self.v = (nn.Linear(d_model, d_model) for _ in range(3))
        self.out = nn.Linear(d_model, d_model)

    def forward(self, query, value):
        b, t, _ = query.shape
        s = value.shape[1]
        q = self.q(query).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k(value).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        v = self.v(value).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        o = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0)
        return self.out(o.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


def step(module, x, params, **kwargs):
    out = module(x, x, **kwargs)
    out.sum().backward()
    for p in params:
        p.grad = None
    x.grad = None


def paired(fns, rounds):
    """{name: (wall samples, cpu samples)}, the callables run in turn, order flipped each round."""
    names = list(fns)
    res = {k: ([], []) for k in names}
    for r in range(rounds):
        for k in (names if r % 2 == 0 else names[::-1]):
            w, c = time.perf_counter(), time.process_time()
            fns[k]()
            res[k][1].append(time.process_time() - c)
            res[k][0].append(time.perf_counter() - w)
    return res


def summary(title, res, per=1.0, unit="ms/step"):
    ours, ref = res["torchkeras"], res["hand-written torch"]
    print(title)
    for k, (wall, cpu) in res.items():
        print(f"  {k:18s} wall {statistics.median(wall) / per * 1e3:9.2f} {unit}   "
              f"cpu {statistics.median(cpu) / per * 1e3:9.2f} {unit}")
    ratios = {}
    for i, kind in enumerate(("wall", "cpu")):
        ratios[kind] = statistics.median(a / b for a, b in zip(ours[i], ref[i]))
    print(f"  ratio torchkeras / hand-written: wall {ratios['wall']:.3f}x, cpu {ratios['cpu']:.3f}x "
          f"(median of {len(ours[0])} paired rounds)")
    return ratios


def bench_layer(heads, d_model, rounds, steps, dropout=0.0):
    torch.manual_seed(0)
    x = torch.randn(BATCH, SEQ, d_model, requires_grad=True)
    ours = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=d_model // heads, dropout=dropout)
    ours(x, x)
    ref = TorchMHA(d_model, heads, dropout)
    # Same weights on both sides, so both do identical work (and the outputs can be checked).
    with torch.no_grad():
        for lin, dense in zip((ref.q, ref.k, ref.v), (ours.query_dense, ours.key_dense, ours.value_dense)):
            lin.weight.copy_(dense.kernel.reshape(d_model, -1).t())
            lin.bias.copy_(dense.bias.reshape(-1))
        ref.out.weight.copy_(ours.output_dense.kernel.reshape(-1, d_model).t())
        ref.out.bias.copy_(ours.output_dense.bias)
        err = (ours(x, x) - ref.eval()(x, x)).abs().max().item()  # inference: no dropout on either side
        ref.train()
    fns, infer = {}, {}
    for name, module, kw in (("torchkeras", ours, {"training": True}), ("hand-written torch", ref, {})):
        params = list(module.parameters())

        def run(module=module, params=params, kw=kw):
            for _ in range(steps):
                step(module, x, params, **kw)

        def forward(module=module):
            with torch.no_grad():
                for _ in range(steps):
                    module(x, x)
        run()  # warm-up, untimed
        fns[name], infer[name] = run, forward
    what = f"batch {BATCH}, seq {SEQ}, d_model {d_model}, {heads} heads, dropout {dropout}, " \
           f"{torch.get_num_threads()} threads"
    ratios = summary(f"MultiHeadAttention fwd+bwd (training), {what} (max |ours - torch| = {err:.1e})",
                     paired(fns, rounds), per=steps)
    ref.eval()
    summary(f"MultiHeadAttention inference forward (no_grad), {what}", paired(infer, rounds), per=steps,
            unit="ms/call")
    ref.train()
    return ratios


def bench_fit(rows, rounds):
    from benchmarks import workloads as W
    x, y = W.data("transformer", rows)
    torch.manual_seed(0)
    model = W.build_keras(keras, "transformer")
    fns = {"torchkeras": lambda: model.fit(x, y, batch_size=W.BATCH, epochs=1, verbose=0),
           "hand-written torch": W.torch_fit("transformer", x, y, 1)}
    for fn in fns.values():  # warm-up, untimed
        fn()
    return summary(f"Transformer encoder classifier fit, {rows} rows x {W.realistic.SEQ} tokens, batch {W.BATCH}, "
                   f"1 epoch per sample, {torch.get_num_threads()} threads", paired(fns, rounds), unit="ms/epoch")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=5, help="fwd+bwd steps per timed sample")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--dropout", type=float, default=0.0, help="attention dropout on both sides")
    parser.add_argument("--no-fit", dest="fit", action="store_false", help="skip the Transformer classifier's fit")
    parser.add_argument("--fit-rows", type=int, default=512)
    args = parser.parse_args()
    setup_threads(args.threads)
    bench_layer(args.heads, args.d_model, args.rounds, args.steps, args.dropout)
    if args.fit:
        bench_fit(args.fit_rows, args.rounds)


if __name__ == "__main__":
    main()
