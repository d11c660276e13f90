"""`python -m conformance.coverage`: the README's API table (layer / arguments / conformance cases).

Counts, for every class exported by torchkeras.layers, the cases that build it (a `layer=` case, or a
builder whose source names it) and the Keras arguments those cases set. Imports no TensorFlow."""

import inspect
import re
from collections import defaultdict

import torchkeras.layers as tkl
from conformance.cases import all_cases


def coverage():
    classes = sorted(n for n, o in vars(tkl).items() if inspect.isclass(o) and issubclass(o, tkl.Layer)
                     and o.__name__ == n and n not in ("Layer", "InputLayer", "TorchModuleWrapper", "Merge", "Wrapper"))
    cases = defaultdict(int)
    args = defaultdict(set)
    for case in all_cases():
        if case.layer:
            cases[case.layer] += 1
            args[case.layer].update(case.kwargs)
            continue
        if case.build is None:
            continue
        try:
            src = inspect.getsource(case.build)
        except (OSError, TypeError):
            continue
        found = set(re.findall(r"layers\.(\w+)\(", src))
        # builders that look the class up by name (getattr(k.layers, cls)) are named by their case id
        found |= {n for n in classes if n not in found and any(
            case.id.startswith(alias + "_") for alias in (n, getattr(getattr(tkl, n), "_keras_class_name", n)))}
        for name in found:
            cases[name] += 1
            for call in re.findall(rf"layers\.{name}\(([^()]*)\)", src):
                args[name].update(re.findall(r"(\w+)=", call))
    rows = ["| layer | arguments exercised by conformance | conformance cases |", "|---|---|---|"]
    for name in classes:
        rows.append(f"| `{name}` | {', '.join(sorted(args[name])) or '-'} | {cases[name]} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(coverage())
