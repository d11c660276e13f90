"""All conformance cases, one module per family. Ids are unique across the suite."""

import importlib

MODULES = ["activations", "core", "merging", "reshaping", "models", "training", "conv", "pooling",
           "normalization", "rnn", "attention", "preprocessing", "preprocessing_image", "layers_extra"]


def all_cases():
    cases = []
    for name in MODULES:
        cases += importlib.import_module(f"conformance.cases.{name}").CASES
    seen = set()
    for c in cases:
        if c.id in seen:
            raise ValueError(f"duplicate conformance case id {c.id!r}")
        seen.add(c.id)
    return cases


def quick_cases():
    """A representative subset for the quick report: the first case of every layer class in each family
    (so every family and every layer is touched), plus three fits and two models spread over their
    families (the training loop). About a minute."""
    cases = all_cases()
    spread = {"training": 3, "models": 2}
    out, seen = [], set()
    for fam, n in spread.items():
        members = [c for c in cases if c.family == fam]
        step = max(len(members) // n, 1)
        out += members[::step][:n]
    for c in cases:
        key = (c.family, c.layer or c.id.split("_")[0])
        if c.family not in spread and key not in seen:
            seen.add(key)
            out.append(c)
    return out
