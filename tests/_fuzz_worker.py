"""Mutated model files, loaded one by one; run as a child process by test_fault_injection.py.

usage: python tests/_fuzz_worker.py WORKDIR N_PER_SEED OUT.json
Every outcome is classified: "ok" (loaded, numbers equal to the original), "clear" (ValueError/TypeError
naming the file), "raw" (any other error, or a message without the file), "wrong" (loaded with different
numbers), "outside" (something written outside the file's own directory). Progress goes to OUT.json.progress
so the parent can name the file a hang happened on.
"""

import io
import json
import os
import sys
import time
import zipfile

import h5py
import numpy as np

import torchkeras as keras
from torchkeras.saving import integrity


def build():
    keras.utils.set_random_seed(3)
    ids = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(20, 4)(ids)
    x = keras.layers.LSTM(3)(x)
    x = keras.layers.BatchNormalization()(x)
    out = keras.layers.Dense(2, activation="softmax")(x)
    model = keras.Model(ids, out)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(np.arange(40).reshape(8, 5) % 20, np.arange(8) % 2, epochs=1, verbose=0)
    return model


def reference_weights(model):
    return [np.asarray(w).copy() for w in model.get_weights()]


def byte_mutations(data, rng, n):
    out = []
    for i in range(n):
        kind = ("truncate", "flip", "zeros", "ones_run", "swap")[i % 5]
        b = bytearray(data)
        if kind == "truncate":
            b = b[:int(rng.integers(0, len(b)))]
        elif kind == "flip":
            for _ in range(int(rng.integers(1, 9))):
                pos = int(rng.integers(0, len(b)))
                b[pos] ^= 1 << int(rng.integers(0, 8))
        elif kind in ("zeros", "ones_run"):
            start = int(rng.integers(0, len(b)))
            length = int(rng.integers(1, 4096))
            fill = 0 if kind == "zeros" else 0xFF
            b[start:start + length] = bytes([fill]) * len(b[start:start + length])
        else:
            a, c = sorted(int(v) for v in rng.integers(0, len(b), size=2))
            width = min(64, len(b) - c)
            b[a:a + width], b[c:c + width] = b[c:c + width], b[a:a + width]
        out.append((f"{kind}_{i}", bytes(b)))
    return out


def zip_with(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def h5_image(fill):
    buf = io.BytesIO()
    with h5py.File(buf, "w", **integrity.h5_create_kwargs()) as f:
        fill(f)
    return integrity.seal_bytes(buf.getvalue())


def structural_keras_mutations(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    out = []
    for name in list(members):
        out.append((f"missing_{name}", zip_with({k: v for k, v in members.items() if k != name})))
    bad_configs = {
        "unknown_class": dict(config, class_name="NoSuchModel"),
        "malicious_module": {"module": "os", "class_name": "system", "config": {"command": "touch PWNED"}},
        "builtin_eval": {"module": "builtins", "class_name": "eval", "config": "open('PWNED','w')"},
        "not_a_dict": [1, 2, 3],
        "layers_not_list": dict(config, config=dict(config["config"], layers="x")),
        "lambda_layer": {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                         "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {
                             "code": "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMEAAAAfABTACkBTqkAKQHaAXhyAQAAAHIBAAAA"
                                     "+gg8c3RyaW5nPtoIPGxhbWJkYT4BAAAA8wAAAAA=",
                             "defaults": None, "closure": None}}}},
    }
    for tag, cfg in bad_configs.items():
        out.append((f"config_{tag}", zip_with(dict(members, **{"config.json": json.dumps(cfg).encode()}))))
    out.append(("config_not_json", zip_with(dict(members, **{"config.json": b"{not json"}))))
    out.append(("config_binary", zip_with(dict(members, **{"config.json": bytes(range(256))}))))
    out.append(("traversal_name", zip_with(dict(members, **{"../../escape.txt": b"x"}))))
    out.append(("absolute_name", zip_with(dict(members, **{"/tmp/abs_escape.txt": b"x"}))))
    out.append(("oversized_name", zip_with(dict(members, **{"a" * 2000: b"x"}))))
    with h5py.File(io.BytesIO(members["model.weights.h5"]), "r") as f:
        paths = []
        f.visititems(lambda n, o: paths.append(n) if isinstance(o, h5py.Dataset) else None)
        arrays = {p: f[p][()] for p in paths}

    def rewrite(change):
        def fill(f):
            for p, a in arrays.items():
                v = change(p, a)
                if v is not None:
                    f.create_dataset(p, data=v)
        return h5_image(fill)

    for i, target in enumerate(paths[:12]):
        for tag, change in (
                ("shape", lambda p, a, t=target: np.zeros(tuple(s + 1 for s in np.shape(a)) or (2,), a.dtype)
                 if p == t else a),
                ("dtype", lambda p, a, t=target: np.asarray(a).astype("S4") if p == t else a),
                ("drop", lambda p, a, t=target: None if p == t else a)):
            out.append((f"weights_{tag}_{i}",
                        zip_with(dict(members, **{"model.weights.h5": rewrite(change)}))))
    return out


def structural_weights_mutations(data):
    out = []
    with h5py.File(io.BytesIO(data), "r") as f:
        paths = []
        f.visititems(lambda n, o: paths.append(n) if isinstance(o, h5py.Dataset) else None)
        arrays = {p: f[p][()] for p in paths}
    for i, target in enumerate(paths):
        def fill(f, t=target, i=i):
            for p, a in arrays.items():
                if p == t:
                    if i % 3 == 0:
                        continue
                    a = np.zeros((3, 7), "float32") if i % 3 == 1 else np.asarray(a).astype("int8")
                f.create_dataset(p, data=a)
        out.append((f"h5_struct_{i}", h5_image(fill)))
    return out


def foreign_copy(data):
    """The same weights written the way real Keras writes them (no user block, no digest)."""
    buf = io.BytesIO()
    with h5py.File(io.BytesIO(data), "r") as src, h5py.File(buf, "w") as dst:
        for key in src:
            src.copy(key, dst)
        for k, v in src.attrs.items():
            dst.attrs[k] = v
    return buf.getvalue()


def tree_snapshot(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[p] = os.path.getsize(p)
    return out


def classify(fn, path, get_model, expected):
    try:
        fn(path)
    except (ValueError, TypeError) as e:
        return ("clear", str(e)[:200]) if path in str(e) else ("raw", f"{type(e).__name__}: {str(e)[:200]}")
    except Exception as e:  # noqa: BLE001 - anything else is what this test hunts for
        return "raw", f"{type(e).__name__}: {str(e)[:200]}"
    if expected is not None:
        got = get_model().get_weights()
        if len(got) != len(expected) or any(not np.array_equal(a, b, equal_nan=True) for a, b in zip(got, expected)):
            return "wrong", "loaded with numbers that differ from the saved ones"
    return "ok", ""


def main(workdir, n_per_seed, out_path):
    os.chdir(workdir)
    model = build()
    expected = reference_weights(model)
    seeds = {}
    model.save("seed.keras")
    model.save_weights("seed.weights.h5")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save("seed.h5")
    for ext in ("keras", "weights.h5", "h5"):
        with open(f"seed.{ext}", "rb") as f:
            seeds[ext] = f.read()
    rng = np.random.default_rng(0)
    cases = []
    for ext, data in seeds.items():
        cases += [(ext, tag, d) for tag, d in byte_mutations(data, rng, n_per_seed)]
    cases += [("keras", tag, d) for tag, d in structural_keras_mutations(seeds["keras"])]
    cases += [("weights.h5", tag, d) for tag, d in structural_weights_mutations(seeds["weights.h5"])]
    foreign = foreign_copy(seeds["weights.h5"])
    cases += [("weights.h5", "foreign_" + tag, d) for tag, d in byte_mutations(foreign, rng, max(n_per_seed // 8, 10))]

    results, counts = [], {}
    root = os.path.abspath("cases")
    os.makedirs(root)
    outside_before = tree_snapshot(workdir)
    for i, (ext, tag, data) in enumerate(cases):
        case_dir = os.path.join(root, f"{i:05d}")
        os.makedirs(case_dir)
        path = os.path.join(case_dir, f"m.{ext}")
        with open(path, "wb") as f:
            f.write(data)
        with open(out_path + ".progress", "w") as f:
            f.write(f"{i} {ext} {tag}")
        if ext == "weights.h5":
            target = build_like(model)
            kind, detail = classify(lambda p: target.load_weights(p), path, lambda: target, expected)
        else:
            holder = {}
            kind, detail = classify(lambda p: holder.setdefault("m", keras.saving.load_model(p)), path,
                                    lambda: holder["m"], expected)
        with open(path, "rb") as f:
            if f.read() != data:
                kind, detail = "modified", "loading changed the file"
        extra = set(os.listdir(case_dir)) - {f"m.{ext}"}
        if extra:
            kind, detail = "outside", f"files appeared next to the target: {sorted(extra)}"
        counts[kind] = counts.get(kind, 0) + 1
        results.append({"i": i, "ext": ext, "tag": tag, "kind": kind, "detail": detail})
    after = {p: s for p, s in tree_snapshot(workdir).items() if not p.startswith(root + os.sep)
             and not p.endswith(".progress") and p != os.path.abspath(out_path)}
    new_outside = sorted(set(after) - set(outside_before))
    for p in ("PWNED", "/tmp/abs_escape.txt", os.path.join(workdir, "..", "escape.txt")):
        if os.path.exists(p):
            new_outside.append(p)
    with open(out_path, "w") as f:
        json.dump({"counts": counts, "total": len(cases), "outside": new_outside,
                   "bad": [r for r in results if r["kind"] not in ("ok", "clear")][:50]}, f, indent=1)


def build_like(model):
    return keras.models.clone_model(model)


if __name__ == "__main__":
    t0 = time.time()
    main(sys.argv[1], int(sys.argv[2]), os.path.abspath(sys.argv[3]))
    print(f"done in {time.time() - t0:.1f}s")
