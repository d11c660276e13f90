"""Dataset sources: tensor slices, single tensors, Python generators, ranges, and combinations."""

import numpy as np
import torch

from torchkeras.porting.tf._core import InvalidArgumentError, as_dtype, convert, torch_dtype
from torchkeras.porting.tf.data._base import Dataset
from torchkeras.porting.tf.data._structure import (
    INFINITE,
    UNKNOWN,
    is_flat,
    leaves,
    normalize,
    rebuild,
    spec_of,
    take_rows,
)
from torchkeras.porting.tf.nest import flatten, pack_sequence_as
from torchkeras.porting.tf.shape import TensorShape, TensorSpec
from torchkeras.porting.tf.strings_array import StringTensor


class TensorSlices(Dataset):
    def __init__(self, tensors):
        self.structure = normalize(tensors)
        self.leaves = leaves(self.structure)
        if not self.leaves:
            raise ValueError("Invalid `element`. `element` should not be empty.")
        for leaf in self.leaves:
            if len(leaf.shape) == 0:
                raise ValueError(f"Unbatching a tensor is only supported for rank >= 1, but got a scalar {leaf!r}.")
        sizes = [int(leaf.shape[0]) for leaf in self.leaves]
        if len(set(sizes)) > 1:
            raise ValueError(f"Dimensions {sizes[0]} and {[s for s in sizes if s != sizes[0]][0]} are not "
                             "compatible: all components of `from_tensor_slices` need the same first dimension.")
        self.n = sizes[0]

    def _cardinality(self):
        return self.n

    def _index_stream(self):
        return self, iter([torch.arange(self.n)])

    def gather(self, index):
        return rebuild(self.structure, [take_rows(leaf, index) for leaf in self.leaves])

    def _elements(self):
        structure, ls = self.structure, self.leaves
        if not isinstance(structure, (tuple, dict)):
            for i in range(self.n):
                yield structure[i]
        elif type(structure) is tuple and is_flat(structure):
            # Plain components only: `({"a": x}, y)` has as many leaves as entries too, but keeps its dict.
            for i in range(self.n):
                yield tuple(leaf[i] for leaf in ls)
        else:
            for i in range(self.n):
                yield rebuild(structure, [leaf[i] for leaf in ls])

    def _spec(self):
        return rebuild(self.structure, [TensorSpec(TensorShape(list(leaf.shape[1:])), _dtype(leaf))
                                        for leaf in self.leaves])


def _dtype(leaf):
    from torchkeras.porting.tf._core import dtype_of
    return dtype_of(leaf)


class FromTensors(Dataset):
    def __init__(self, tensors):
        self.element = normalize(tensors)

    def _cardinality(self):
        return 1

    def _elements(self):
        yield self.element

    def _spec(self):
        return spec_of(self.element)


def _conform(value, spec):
    """A generated value converted to its TensorSpec's dtype, its shape checked."""
    if spec.dtype.name == "string":
        return StringTensor.of(value)
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
    t = t.to(spec.dtype.torch)
    if not spec.shape.is_compatible_with(TensorShape(list(t.shape))):
        raise TypeError(f"`generator` yielded an element of shape {tuple(t.shape)} where an element of shape "
                        f"{spec.shape} was expected.")
    return t


def _flatten_up_to(signature, value):
    if isinstance(signature, dict):
        return [leaf for k in sorted(signature) for leaf in _flatten_up_to(signature[k], value[k])]
    if isinstance(signature, (list, tuple)):
        if len(signature) != len(value):
            raise TypeError(f"`generator` yielded an element that did not match the expected structure: expected "
                            f"{len(signature)} components, got {len(value)}.")
        return [leaf for s, v in zip(signature, value) for leaf in _flatten_up_to(s, v)]
    return [value]


class FromGenerator(Dataset):
    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is None:
            if output_types is None:
                raise TypeError("The `output_types` argument can not be None when `output_signature` is None.")
            types = flatten(output_types)
            shapes = [None] * len(types) if output_shapes is None else _flatten_up_to(output_types, output_shapes)
            output_signature = pack_sequence_as(output_types, [TensorSpec(s, t) for s, t in zip(shapes, types)])
        self.generator, self.args, self.signature = generator, tuple(args or ()), output_signature
        self.flat_specs = flatten(output_signature)

    def _elements(self):
        args = [a.numpy() if isinstance(a, (torch.Tensor, StringTensor)) else a for a in self.args]
        for value in self.generator(*args):
            parts = _flatten_up_to(self.signature, value)
            yield pack_sequence_as(self.signature, [_conform(v, s) for v, s in zip(parts, self.flat_specs)])

    def _spec(self):
        return self.signature

    def _python_work(self):
        return True


class Range(Dataset):
    def __init__(self, *args, output_type="int64"):
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Invalid `args`. The length of `args` should be between 1 and 3 but was {len(args)}.")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (tuple(args) + (1,))[:3]
        self.start, self.stop, self.step = (int(convert(v)) if isinstance(v, torch.Tensor) else int(v)
                                            for v in (start, stop, step))
        if self.step == 0:
            raise InvalidArgumentError("step must be a non-zero integer.")
        self.dtype = torch_dtype(output_type)

    def _cardinality(self):
        return max(len(range(self.start, self.stop, self.step)), 0)

    def _elements(self):
        dtype = self.dtype
        for i in range(self.start, self.stop, self.step):
            yield torch.tensor(i, dtype=dtype)

    def _spec(self):
        return TensorSpec(TensorShape([]), as_dtype(self.dtype))


def _min_cardinality(values):
    finite = [v for v in values if v >= 0]
    if finite:
        return min(finite)
    return UNKNOWN if UNKNOWN in values else INFINITE


class Zip(Dataset):
    def __init__(self, datasets):
        if isinstance(datasets, Dataset):
            raise TypeError("The argument to `Dataset.zip()` must be a (nested) structure of `Dataset` objects.")
        self.datasets = datasets
        for d in flatten(datasets):
            if not isinstance(d, Dataset):
                raise TypeError(f"Invalid `datasets`. `datasets` is expected to be a (nested) structure of "
                                f"`tf.data.Dataset` objects. Python `list` is not supported; received {d!r}.")

    def _cardinality(self):
        return _min_cardinality([d._cardinality() for d in flatten(self.datasets)])

    def _elements(self):
        its = [d._elements() for d in flatten(self.datasets)]
        for parts in zip(*its):
            yield pack_sequence_as(self.datasets, list(parts))

    def _spec(self):
        return pack_sequence_as(self.datasets, [d._spec() for d in flatten(self.datasets)])

    def _python_work(self):
        return any(d._python_work() for d in flatten(self.datasets))


class Concatenate(Dataset):
    def __init__(self, first, second):
        self.first, self.second = first, second

    def _cardinality(self):
        a, b = self.first._cardinality(), self.second._cardinality()
        if INFINITE in (a, b):
            return INFINITE
        return UNKNOWN if UNKNOWN in (a, b) else a + b

    def _elements(self):
        yield from self.first._elements()
        yield from self.second._elements()

    def _spec(self):
        return self.first._spec()

    def _python_work(self):
        return self.first._python_work() or self.second._python_work()


class Sample(Dataset):
    def __init__(self, datasets, weights, seed, stop_on_empty):
        self.datasets = list(datasets)
        w = np.ones(len(self.datasets)) if weights is None else np.asarray(
            convert(weights).tolist() if isinstance(weights, torch.Tensor) else weights, dtype=np.float64)
        self.weights, self.seed, self.stop_on_empty = w / w.sum(), seed, stop_on_empty

    def _elements(self):
        rng = np.random.default_rng(self.seed)
        its = [d._elements() for d in self.datasets]
        live = list(range(len(its)))
        while live:
            w = self.weights[live] / self.weights[live].sum()
            k = live[int(rng.choice(len(live), p=w))]
            try:
                yield next(its[k])
            except StopIteration:
                if self.stop_on_empty:
                    return
                live.remove(k)

    def _spec(self):
        return self.datasets[0]._spec()


class Choose(Dataset):
    def __init__(self, datasets, choice_dataset, stop_on_empty):
        self.datasets, self.choice, self.stop_on_empty = list(datasets), choice_dataset, stop_on_empty

    def _elements(self):
        its = [d._elements() for d in self.datasets]
        for choice in self.choice._elements():
            try:
                yield next(its[int(choice)])
            except StopIteration:
                if self.stop_on_empty:
                    return

    def _spec(self):
        return self.datasets[0]._spec()
