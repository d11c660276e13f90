"""CUDA benchmark: fit time of torchkeras vs the hand-written torch loop on the same GPU, for the
report's workloads (workloads.py), in float32 and in mixed precision (torchkeras's
"mixed_float16" policy vs the hand-written loop's float16 autocast + GradScaler). The hand-written
loop keeps its data on the GPU; torchkeras gets numpy, as a Keras script passes it, and also the
same tensors already on the GPU. TF32 is off for both (Keras's numerics are float32).

Run (needs CUDA): python -m benchmarks.bench_gpu [--out results_gpu.md]
"""

import argparse
import json

import numpy as np
import torch

import torchkeras as keras
from benchmarks import workloads
from benchmarks.common import hand_written_fit, interleaved, report

SIZES = {"mlp": dict(rows=60000, epochs=2), "cnn": dict(rows=20000, epochs=1),
         "lstm": dict(rows=8000, epochs=1)}


def _synced(fn, dev):
    def run():
        fn()
        if dev.type == "cuda":
            torch.cuda.synchronize()
    return run


def _torch_run(name, x, y, epochs, amp, dev):
    xt = torch.from_numpy(x if name != "cnn" else np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    net = workloads.torch_net(name).to(dev)
    return hand_written_fit(net, xt.to(dev), torch.from_numpy(y).to(dev), epochs, workloads.BATCH, amp=amp)


def _keras_run(name, x, y, epochs, amp, dev):
    model = workloads.build_keras(keras, name, "mixed_float16" if amp else None)
    if dev is not None:
        model.to(dev)
        x, y = torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)
    return lambda: model.fit(x, y, batch_size=workloads.BATCH, epochs=epochs, verbose=0)


def _runtime_calls(fn, steps):
    """CUDA runtime calls per training step (kernel launches, copies, syncs) in one profiled run."""
    from torch.profiler import ProfilerActivity, profile
    fn()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    wanted = ("cudaLaunchKernel", "cudaMemcpyAsync", "cudaStreamSynchronize", "cudaDeviceSynchronize")
    counts = {e.key: e.count for e in prof.key_averages() if e.key in wanted}
    return {k: round(v / steps, 1) for k, v in sorted(counts.items())}


def _kernels(fn, steps):
    """GPU kernels per step by name (torch.profiler's CUDA activity)."""
    from torch.profiler import ProfilerActivity, profile
    fn()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    return {e.key[:70]: e.count / steps for e in prof.key_averages()
            if e.device_type == torch.autograd.DeviceType.CUDA}


def kernel_diff(name, dev):
    """The kernels torchkeras launches per step beyond the hand-written loop's (diagnostics)."""
    x, y = workloads.data(name, 128 * 10)
    ours = _kernels(_keras_run(name, x, y, 1, False, dev), 10)
    theirs = _kernels(_torch_run(name, x, y, 1, False, dev), 10)
    diff = {k: ours.get(k, 0) - theirs.get(k, 0) for k in set(ours) | set(theirs)}
    lines = [f"{v:+.1f}  {k}" for k, v in sorted(diff.items(), key=lambda kv: -abs(kv[1])) if abs(v) >= 0.5]
    text = f"## {name}: kernels per step, torchkeras minus hand-written\n\n```\n" + "\n".join(lines) + "\n```"
    print(text)
    return text


def profile_calls(dev):
    """Launches per step: where the GPU fit ratios come from on small models (launch-bound)."""
    lines = ["## CUDA runtime calls per training step (batch 128)", "",
             "| workload | implementation | calls per step |", "|---|---|---|"]
    for name in SIZES:
        x, y = workloads.data(name, 128 * 10)
        for label, fn in (("hand-written torch", _torch_run(name, x, y, 1, False, dev)),
                          ("torchkeras (device tensors in)", _keras_run(name, x, y, 1, False, dev))):
            lines.append(f"| {name} | {label} | {_runtime_calls(fn, 10)} |")
    text = "\n".join(lines)
    print(text)
    return text


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--kernels", action="store_true", help="also list the extra kernels per step")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes on the CPU: checks the script runs")
    args = ap.parse_args(argv)
    dev = torch.device("cpu" if args.smoke else "cuda")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("bench_gpu needs CUDA (or --smoke)")
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    name_of = torch.cuda.get_device_name() if dev.type == "cuda" else "cpu"
    texts, rows = [f"device: {name_of}, torch {torch.__version__}"], {}
    for name, size in SIZES.items():
        if args.smoke:
            size = dict(rows=256, epochs=1)
        x, y = workloads.data(name, size["rows"])
        for amp in (False, True):
            if amp and args.smoke and name == "lstm":
                continue  # oneDNN has no float16 LSTM on the CPU
            label = f"{name} fit, {size['rows']} rows, {size['epochs']} epoch(s), batch 128, " \
                    f"{'mixed float16' if amp else 'float32'}"
            res = interleaved({
                "hand-written torch": _synced(_torch_run(name, x, y, size["epochs"], amp, dev), dev),
                "torchkeras (numpy in)": _synced(_keras_run(name, x, y, size["epochs"], amp, None), dev),
                "torchkeras (device tensors in)": _synced(
                    _keras_run(name, x, y, size["epochs"], amp, dev), dev),
            }, repeats=1 if args.smoke else args.repeats)
            texts.append(report(label, res, "hand-written torch"))
            rows[label] = {k: v for k, v in res.items()}
    if dev.type == "cuda":
        texts.append(profile_calls(dev))
        if args.kernels:
            texts += [kernel_diff(name, dev) for name in SIZES]
    text = "\n\n".join(texts)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n\n```json\n" + json.dumps(rows, indent=1) + "\n```\n")
    return text


if __name__ == "__main__":
    main()
