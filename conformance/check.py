"""`python -m conformance check MODEL`: one model file, loaded into real Keras and into torchkeras, compared.

    python -m conformance check model.keras [--inputs x.npy] [--atol 1e-6] [--rtol 1e-5]
    python -m conformance check model.h5
    python -m conformance check model.weights.h5 --builder mypkg.models:build
    python -m conformance check model.keras --train-steps 3 [--targets y.npy]

Both libraries load the same file; both run the given inputs (or generated ones of the model's input
shapes and dtypes); the output is a per-layer table (output shape, max abs / rel error, status) naming the
first diverging layer. `--train-steps N` then runs N `train_on_batch` steps on both and compares each
step's loss and the trained weights. Exit status: 0 all match, 1 a mismatch, 2 bad usage or no reference.
Put it in your CI next to the code that trains or exports the model.
"""

import argparse
import importlib
import os
import sys

import numpy as np


def _parse(argv):
    p = argparse.ArgumentParser(prog="python -m conformance check", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="a .keras, .h5 or .weights.h5 file (the last needs --builder)")
    p.add_argument("--inputs", help="inputs as .npy (one input) or .npz (several, in the model's order)")
    p.add_argument("--builder", metavar="MODULE:FUNCTION",
                   help="for a .weights.h5 file: FUNCTION(keras) builds the model; it is called with real "
                        "Keras and with torchkeras (the same code builds both)")
    p.add_argument("--batch", type=int, default=4, help="batch size of generated inputs (default 4)")
    p.add_argument("--seed", type=int, default=0, help="seed of generated inputs and targets")
    p.add_argument("--atol", type=float, default=1e-6)
    p.add_argument("--rtol", type=float, default=1e-5)
    p.add_argument("--train-steps", type=int, default=0, metavar="N",
                   help="also compare N training steps (the model must be compiled, or give --loss/--optimizer)")
    p.add_argument("--targets", help="targets for --train-steps as .npy/.npz (generated when absent)")
    p.add_argument("--loss", help="loss for --train-steps when the file has no compile config")
    p.add_argument("--optimizer", default=None, help="optimizer for --train-steps (default: the file's, else sgd)")
    p.add_argument("--train-atol", type=float, default=1e-4, help="tolerance of losses and weights after training")
    p.add_argument("--safe-mode", default="true", choices=["true", "false"],
                   help="false lets Lambda layers deserialize (only for files you trust), as in Keras")
    return p.parse_args(argv)


def _load_array_file(path, what):
    if not os.path.exists(path):
        raise SystemExit(f"check: {what} file {path!r} does not exist.")
    data = np.load(path, allow_pickle=False)
    if isinstance(data, np.ndarray):
        return data
    return [data[k] for k in data.files]


def _builder(spec):
    if ":" not in spec:
        raise SystemExit(f"check: --builder must be MODULE:FUNCTION, received {spec!r}.")
    mod, fn = spec.split(":", 1)
    sys.path.insert(0, os.getcwd())
    try:
        return getattr(importlib.import_module(mod), fn)
    except (ImportError, AttributeError) as e:
        raise SystemExit(f"check: cannot import the builder {spec!r}: {e}") from e


def _load_both(args, keras, tk):
    path = args.model
    if not os.path.exists(path):
        raise SystemExit(f"check: model file {path!r} does not exist.")
    safe = args.safe_mode == "true"
    if path.endswith(".weights.h5"):
        if not args.builder:
            raise SystemExit(f"check: {path!r} holds weights only; give --builder MODULE:FUNCTION that builds "
                             "the model from a `keras` module argument.")
        build = _builder(args.builder)
        kmodel, tmodel = build(keras), build(tk)
        kmodel.load_weights(path)
        tmodel.load_weights(path)
        return kmodel, tmodel
    if not path.endswith((".keras", ".h5", ".hdf5")):
        raise SystemExit(f"check: expected a .keras, .h5 or .weights.h5 file, received {path!r}.")
    kmodel = keras.saving.load_model(path, safe_mode=safe)
    tmodel = tk.saving.load_model(path, safe_mode=safe)
    return kmodel, tmodel


def _embedding_high(model):
    highs = [la.input_dim for la in model.layers if type(la).__name__ == "Embedding"]
    return min(highs) if highs else 10


def _generate_inputs(kmodel, batch, seed):
    rng = np.random.default_rng(seed)
    xs = []
    for t in kmodel.inputs:
        shape = tuple(batch if d is None else d for d in ((None,) + tuple(t.shape[1:])))
        shape = tuple(8 if d is None else d for d in shape)  # unknown time steps
        dtype = str(t.dtype)
        if "int" in dtype:
            xs.append(rng.integers(0, _embedding_high(kmodel), size=shape).astype(dtype))
        elif dtype == "bool":
            xs.append(rng.integers(0, 2, size=shape).astype(bool))
        else:
            xs.append(rng.standard_normal(shape).astype(dtype if dtype != "float64" else "float32"))
    return xs if len(xs) > 1 else xs[0]


def _rel(ours, ref):
    denom = np.maximum(np.abs(ref), 1e-12)
    return float(np.max(np.abs(ours - ref) / denom)) if ref.size else 0.0


def layer_table(kmodel, tmodel, x, atol, rtol):
    """Rows (index, name, class, keras shape, ours shape, max abs, max rel, ok) for each single-node layer."""
    from conformance import reference
    from conformance.compare import _inner_layers, _torch_layer_outputs
    from conformance.values import as_list, close

    klayers, imodel = reference.intermediate_model(kmodel)
    k_outs = reference.call(imodel, x, training=False)[0] if klayers else []
    k_outs = [k_outs] if len(klayers) == 1 else list(k_outs)
    by_layer = {id(la): o for la, o in zip(klayers, k_outs)}
    t_outs = _torch_layer_outputs(tmodel, x)
    tls = _inner_layers(tmodel)
    rows = []
    for i, kl in enumerate(_inner_layers(kmodel)):
        if id(kl) not in by_layer or i not in t_outs:
            continue
        ks, ts = as_list(by_layer[id(kl)]), as_list(t_outs[i])
        cls_ok = i < len(tls) and type(tls[i]).__name__ == type(kl).__name__
        if len(ks) != len(ts) or any(np.shape(a) != np.shape(b) for a, b in zip(ks, ts)):
            rows.append((i, kl.name, type(kl).__name__, [np.shape(a) for a in ks], [np.shape(b) for b in ts],
                         float("inf"), float("inf"), False))
            continue
        errs = [close(b, a, atol, rtol) for a, b in zip(ks, ts)]
        abs_err = max((e[1] for e in errs), default=0.0)
        rel_err = max((_rel(np.asarray(b, np.float64), np.asarray(a, np.float64)) for a, b in zip(ks, ts)),
                      default=0.0)
        rows.append((i, kl.name, type(kl).__name__, [np.shape(a) for a in ks], [np.shape(b) for b in ts],
                     abs_err, rel_err, cls_ok and all(e[0] for e in errs)))
    return rows


def _fmt_shape(shapes):
    return ", ".join(str(tuple(s)) for s in shapes)


def _print_table(rows):
    print(f"{'#':>3s}  {'layer':28s} {'class':22s} {'output shape':20s} {'max abs err':>11s} {'max rel err':>11s}  status")
    for i, name, cls, ks, ts, a, r, ok in rows:
        shape = _fmt_shape(ks) if ks == ts else f"{_fmt_shape(ks)} vs {_fmt_shape(ts)}"
        print(f"{i:3d}  {name[:28]:28s} {cls[:22]:22s} {shape[:20]:20s} {a:11.3g} {r:11.3g}  "
              f"{'ok' if ok else 'DIVERGES'}")


def _targets(kmodel, x, args, keras):
    if args.targets:
        return _load_array_file(args.targets, "targets")
    rng = np.random.default_rng(args.seed + 1)
    outs = kmodel(x)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    loss = str(args.loss or getattr(kmodel, "loss", "") or "").lower()
    ys = []
    for o in outs:
        shape = tuple(o.shape)
        if "sparse" in loss:
            ys.append(rng.integers(0, shape[-1], size=shape[:-1]).astype("int32"))
        elif "crossentropy" in loss or "categorical" in loss:
            ys.append(np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], size=shape[:-1])])
        else:
            ys.append(rng.standard_normal(shape).astype("float32"))
    return ys if len(ys) > 1 else ys[0]


def _compile_both(kmodel, tmodel, args):
    for m in (kmodel, tmodel):
        compiled = getattr(m, "optimizer", None) is not None and getattr(m, "loss", None) is not None
        if args.loss or args.optimizer or not compiled:
            if not args.loss and not compiled:
                raise SystemExit("check: --train-steps needs a compiled model file or --loss (and optionally "
                                 "--optimizer).")
            m.compile(optimizer=args.optimizer or "sgd", loss=args.loss or m.loss)


def _train_compare(kmodel, tmodel, x, args, keras):
    _compile_both(kmodel, tmodel, args)
    y = _targets(kmodel, x, args, keras)
    ok = True
    print(f"\ntraining: {args.train_steps} train_on_batch step(s) on both, tolerance {args.train_atol:g}")
    for step in range(args.train_steps):
        kl = np.asarray(kmodel.train_on_batch(x, y), dtype=np.float64).ravel()
        tl = np.asarray(tmodel.train_on_batch(x, y), dtype=np.float64).ravel()
        err = float(np.max(np.abs(kl - tl))) if kl.shape == tl.shape else float("inf")
        good = err <= args.train_atol + 1e-4 * float(np.max(np.abs(kl)))
        ok &= good
        print(f"  step {step + 1}: loss keras {kl[0]:.6g}  torchkeras {tl[0]:.6g}  diff {err:.3g}  "
              f"{'ok' if good else 'DIVERGES'}")
    kw, tw = kmodel.get_weights(), tmodel.get_weights()
    if len(kw) != len(tw):
        print(f"  weights: Keras has {len(kw)} arrays, torchkeras {len(tw)}  DIVERGES")
        return False
    worst = max((float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(kw, tw) if np.size(a)),
                default=0.0)
    wok = worst <= args.train_atol
    print(f"  trained weights: max abs diff {worst:.3g} over {len(kw)} arrays  {'ok' if wok else 'DIVERGES'}")
    return ok and wok


def main(argv=None):
    args = _parse(argv)
    import torch  # noqa: F401  (torch before TensorFlow)

    from conformance import reference
    from conformance.progress import filter_native_stderr

    restore = filter_native_stderr()
    try:
        try:
            keras = reference.load()
        except reference.ReferenceUnavailable as e:
            print(f"check FAILED: {e}", file=sys.stderr)
            return 2
        import torchkeras as tk

        try:
            kmodel, tmodel = _load_both(args, keras, tk)
        except SystemExit:
            raise
        except Exception as e:  # noqa: BLE001 - a file either library refuses is a reported failure
            print(f"check FAILED: loading {args.model!r}: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        x = _load_array_file(args.inputs, "inputs") if args.inputs else _generate_inputs(
            kmodel, args.batch, args.seed)
        print(f"check: {args.model} in Keras {keras.__version__} (TensorFlow) and torchkeras {tk.__version__}, "
              f"atol {args.atol:g}, rtol {args.rtol:g}")
        from conformance.compare import compare

        result = compare(kmodel, tmodel, x, atol=args.atol, rtol=args.rtol, locate=False)
        rows = layer_table(kmodel, tmodel, x, args.atol, args.rtol)
        _print_table(rows)
        first = next((r for r in rows if not r[7]), None)
        print(f"\nmodel outputs: {result.message}")
        if first is not None:
            print(f"first diverging layer: {first[1]} ({first[2]}, layer {first[0]})")
        ok = result.passed and first is None
        if args.train_steps:
            ok &= _train_compare(kmodel, tmodel, x, args, keras)
        print("RESULT: " + ("MATCH" if ok else "MISMATCH"))
        return 0 if ok else 1
    finally:
        restore()
