"""Shared timing helpers: every benchmark times ours and the baselines in one run, interleaved."""

import statistics
import time

import torch


def setup_threads(n=2):
    torch.set_num_threads(n)


def interleaved(fns, repeats=5, warmup=1):
    """Run each callable `warmup` times, then `repeats` rounds in turn; return {name: median seconds}."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def report(title, results, baseline):
    base = results[baseline]
    lines = [f"## {title}", "", "| implementation | time | ratio to " + baseline + " |", "|---|---|---|"]
    for k, v in results.items():
        unit = f"{v * 1e6:.1f} us" if v < 1e-2 else f"{v:.3f} s"
        lines.append(f"| {k} | {unit} | {v / base:.2f}x |")
    text = "\n".join(lines)
    print(text)
    return text
