"""Where a torchkeras fit step spends its host time: cProfile over N steps of a report workload
(workloads.py), on CUDA when there is one. A diagnostic for the fit ratios; prints the top
functions by own time.

Run: python -m benchmarks.profile_fit [mlp|cnn|lstm] [--mixed] [--steps 200]
"""

import argparse
import cProfile
import pstats

import torch

import torchkeras as keras
from benchmarks import workloads


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("name", nargs="?", default="mlp")
    ap.add_argument("--mixed", action="store_true")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args(argv)
    model = workloads.build_keras(keras, args.name, "mixed_float16" if args.mixed else None)
    x, y = workloads.data(args.name, 128 * args.steps)
    dev = next(model.parameters()).device
    x, y = torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    prof = cProfile.Profile()
    prof.enable()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    prof.disable()
    print(f"# {args.name} on {dev}, {'mixed_float16' if args.mixed else 'float32'}, {args.steps} steps")
    pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
