"""Small-batch inference latency: `model(x)` and `model.predict(x)` of the report's 3-layer Dense
model (workloads.py "latency") against the same nn.Sequential called directly under no_grad
(plus `.numpy()` for predict), at batch 1 and 32.

Each round runs every variant's loop once, in turn; a round's ratio pairs ours with the torch
loop that ran next to it, and the table shows medians over the rounds. CPU time (process_time)
is reported beside wall time: on a shared machine it is the steadier of the two.

    python -m benchmarks latency     (or: python -m benchmarks.bench_latency --rounds 30 --threads 2)
"""

import argparse
import statistics
import time

import numpy as np
import torch

import torchkeras
from benchmarks import workloads as W
from benchmarks.common import setup_threads


def _loops(model, net, x, n):
    xt = torch.from_numpy(x)

    def hand_call():
        with torch.no_grad():
            for _ in range(n):
                net(xt)

    def ours_call():
        with torch.no_grad():
            for _ in range(n):
                model(xt)

    def hand_predict():  # torch's equivalent of predict: the no_grad call plus the host copy
        with torch.no_grad():
            for _ in range(n):
                net(xt).numpy()

    def ours_predict():
        for _ in range(n):
            model.predict(x, verbose=0)
    return {"model(x)": (hand_call, ours_call), "predict": (hand_predict, ours_predict)}


def _time(fn, clock):
    t = clock()
    fn()
    return clock() - t


def measure(batch, rounds=30, n=200):
    """{row: {"torch": s, "torchkeras": s, "ratio": paired median, "cpu ratio": ...}} per call."""
    model, net = W.build_keras(torchkeras, "latency"), W.torch_net("latency").eval()
    x = np.random.default_rng(0).random((batch, 32), dtype=np.float32)
    loops = _loops(model, net, x, n)
    for pair in loops.values():  # warm-up
        for fn in pair:
            fn()
    out = {}
    for row, (hand, ours) in loops.items():
        samples = {k: [] for k in ("hand wall", "ours wall", "hand cpu", "ours cpu")}
        for r in range(rounds):
            order = ((hand, "hand"), (ours, "ours")) if r % 2 else ((ours, "ours"), (hand, "hand"))
            for fn, who in order:
                w0, c0 = time.perf_counter(), time.process_time()
                fn()
                samples[f"{who} cpu"].append(time.process_time() - c0)
                samples[f"{who} wall"].append(time.perf_counter() - w0)
        med = {k: statistics.median(v) / n for k, v in samples.items()}
        out[f"{row} batch {batch}"] = {
            "torch": med["hand wall"], "torchkeras": med["ours wall"],
            "ratio": statistics.median(o / h for o, h in zip(samples["ours wall"], samples["hand wall"])),
            "cpu ratio": statistics.median(o / h for o, h in zip(samples["ours cpu"], samples["hand cpu"]))}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    setup_threads(args.threads)
    lines = [f"## Inference latency (cpu, {args.threads} threads; medians per call)", "",
             "| workload | hand-written torch | torchkeras | ratio (wall) | ratio (cpu time) |",
             "|---|---|---|---|---|"]
    for b in (1, 32):
        for row, r in measure(b, args.rounds).items():
            lines.append(f"| {row} | {r['torch'] * 1e6:.1f} us | {r['torchkeras'] * 1e6:.1f} us | "
                         f"{r['ratio']:.2f}x | {r['cpu ratio']:.2f}x |")
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
