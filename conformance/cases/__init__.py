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
