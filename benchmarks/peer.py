"""Subprocess side of the report: times Keras 3 (KERAS_BACKEND=torch) or tf.keras on the shared
workloads. Usage: python -m benchmarks.peer {keras3|tfkeras} THREADS; prints one RESULT line."""

import json
import os
import statistics
import sys
import time


def _median(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(kind, threads, names):
    import numpy as np
    import torch  # before tensorflow, always
    torch.set_num_threads(threads)
    if kind == "tfkeras":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        keras = tf.keras
    else:
        import keras
    from benchmarks import workloads as W

    out = {}
    for name in names:
        if name == "latency":
            model = W.build_keras(keras, "latency")
            for b in (1, 32):
                x = np.random.default_rng(0).random((b, 32), dtype=np.float32)
                xt = torch.from_numpy(x) if kind == "keras3" else tf.constant(x)
                model(xt)
                model.predict(x, verbose=0)
                out[f"call_b{b}"] = _median(lambda: [model(xt) for _ in range(200)], 3) / 200
                out[f"predict_b{b}"] = _median(lambda: [model.predict(x, verbose=0) for _ in range(20)], 1) / 20
            continue
        size = W.SIZES[name]
        x, y = W.data(name, size["rows"])
        model = W.build_keras(keras, name)
        model.fit(x[:W.BATCH * 4], y[:W.BATCH * 4], batch_size=W.BATCH, epochs=1, verbose=0)  # warm-up
        out[name] = _median(lambda: model.fit(x, y, batch_size=W.BATCH, epochs=size["epochs"], verbose=0), 1)
        if name in W.PREDICT:
            model.predict(x[:W.BATCH], batch_size=W.BATCH, verbose=0)  # warm-up
            out[f"{name}_predict"] = _median(
                lambda: model.predict(x, batch_size=W.BATCH, verbose=0), 1)
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "torch" if sys.argv[1] == "keras3" else "tensorflow")
    from benchmarks.workloads import SIZES
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:] or [*SIZES, "latency"])
