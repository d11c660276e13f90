"""The declarative conformance case: one entry per layer configuration, model or training run.

A case never imports a library: `build(k)` receives the `keras` module (real tf.keras or torchkeras)
and the SAME code builds the object in both. A layer case may give `layer` + `kwargs` instead.
"""

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

ATOL, RTOL = 1e-6, 1e-5
FIT_ATOL = 1e-4


@dataclass
class Case:
    id: str
    kind: str = "layer"                  # "layer", "model" or "fit"
    layer: str | None = None             # keras.layers class name (layer cases without a builder)
    kwargs: dict = field(default_factory=dict)
    build: Callable | None = None        # build(keras_module) -> layer or model
    inputs: Any = (2, 5)                 # batch shape, or a list of batch shapes (several inputs)
    dtype: Any = "float32"               # "float32", "int32"/"int64" (ids in [0, high)), or a list
    high: int = 10                       # exclusive upper bound for integer inputs
    data: Callable | None = None         # data(rng) -> array or list of arrays (replaces inputs/dtype)
    seed: int = 0
    training: bool | None = None         # passed to the call when set (deterministic layers only)
    grad: bool = False                   # also compare d(sum(out*w))/d(inputs)
    mask: bool = False                   # also compare the output's Keras mask
    config: bool = True                  # compare get_config key sets
    atol: float = ATOL
    rtol: float = RTOL
    expect_error: bool = False           # Keras refuses this configuration: torchkeras must refuse it too
    reason: str | None = None            # a stated, accepted difference: the case counts as not matching
    family: str = ""                     # set from the cases module
    # fit cases
    compile: dict = field(default_factory=dict)  # optimizer / loss / metrics; values may be callables(k)
    targets: Callable | None = None      # targets(rng, x) -> y
    epochs: int = 3
    batch_size: int = 32
    fit_kwargs: dict = field(default_factory=dict)
    evaluate: bool = False               # also compare evaluate(return_dict=True) after fit

    def make(self, k):
        if self.build is not None:
            return self.build(k)
        if self.layer is None:
            raise ValueError(f"case {self.id!r} has neither `layer` nor `build`")
        return getattr(k.layers, self.layer)(**self.kwargs)

    def make_inputs(self):
        rng = np.random.default_rng(self.seed)
        if self.data is not None:
            return self.data(rng)
        many = isinstance(self.inputs, list)
        shapes = self.inputs if many else [self.inputs]
        dtypes = self.dtype if isinstance(self.dtype, list) else [self.dtype] * len(shapes)
        xs = [random_array(rng, s, d, self.high) for s, d in zip(shapes, dtypes)]
        return xs if many else xs[0]


def random_array(rng, shape, dtype="float32", high=10):
    if dtype.startswith("int"):
        return rng.integers(0, high, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.standard_normal(shape).astype(dtype)


def layer_case(id, layer, kwargs=None, inputs=(2, 5), **extra):
    """Shorthand for a layer built from its class name and kwargs."""
    return Case(id=id, layer=layer, kwargs=dict(kwargs or {}), inputs=inputs, **extra)


def family(name, cases):
    for c in cases:
        c.family = name
    return cases
