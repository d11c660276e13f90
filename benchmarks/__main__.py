"""`python -m benchmarks [report mlp cnn lstm latency mha]`: each benchmark times torchkeras and its baselines in
one run; the default is the report (results.md + chart.png vs torch, Keras 3 and tf.keras)."""

import sys

from benchmarks import bench_cnn, bench_latency, bench_lstm, bench_mha, bench_mlp, report

BENCHES = {"report": report.main, "mlp": bench_mlp.main, "cnn": bench_cnn.main,
           "lstm": bench_lstm.main, "latency": bench_latency.main, "mha": bench_mha.main}


def main(argv):
    names = argv or ["report"]  # the full report; single benches by name
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; choose from {list(BENCHES)}")
    for name in names:
        print(f"\n# {name}\n", flush=True)
        sys.argv = [f"benchmarks/bench_{name}.py"]  # each bench parses its own defaults
        BENCHES[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
