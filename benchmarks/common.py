"""Shared timing helpers: every benchmark times ours and the baselines in one run, interleaved."""

import statistics
import time

import torch
import torch.nn.functional as F


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


def hand_written_fit(net, xt, yt, epochs, batch_size=128, amp=False):
    """The torch loop a good engineer writes (DESIGN.md "Benchmarks"): tensors indexed with a randperm,
    no DataLoader, torch.optim.Adam with Keras's hyperparameters, accuracy accumulated on device.
    The net and tensors may live on CUDA; `amp=True` adds float16 autocast and a GradScaler."""
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    device = xt.device
    scaler = torch.amp.GradScaler(device.type) if amp else None

    def run():
        net.train()
        for _ in range(epochs):
            perm = torch.randperm(len(xt), device=device)
            correct = torch.zeros((), device=device)
            for i in range(0, len(xt), batch_size):
                idx = perm[i:i + batch_size]
                xb, yb = xt[idx], yt[idx]
                opt.zero_grad(set_to_none=True)
                if scaler is None:
                    logits = net(xb)
                    loss = F.cross_entropy(logits, yb)
                    loss.backward()
                    opt.step()
                else:
                    with torch.autocast(device.type, dtype=torch.float16):
                        logits = net(xb)
                        loss = F.cross_entropy(logits.float(), yb)
                    scaler.scale(loss).backward()
                    scaler.step(opt)
                    scaler.update()
                correct += (logits.argmax(-1) == yb).sum()
            float(correct)
    return run
