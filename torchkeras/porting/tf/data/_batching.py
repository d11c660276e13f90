"""batch, padded_batch and unbatch. Batches of an index stream (slices, shuffled, repeated, ...)
are gathered with one index_select per component instead of stacking single elements."""

import numpy as np
import torch

from torchkeras.porting.tf._core import convert
from torchkeras.porting.tf.data._structure import INFINITE, leaves, rebuild, stack, stack_elements
from torchkeras.porting.tf.data._transforms import _Unary
from torchkeras.porting.tf.shape import TensorShape, TensorSpec
from torchkeras.porting.tf.strings_array import StringTensor


def _chunks(blocks, size, drop_remainder):
    pending, count = [], 0
    for b in blocks:
        if not pending and len(b) >= size:
            full = (len(b) // size) * size
            for k in range(0, full, size):
                yield b[k:k + size]
            b = b[full:]
            if not len(b):
                continue
        pending.append(b)
        count += len(b)
        while count >= size:
            merged = torch.cat(pending)
            yield merged[:size]
            rest = merged[size:]
            pending, count = ([rest] if len(rest) else []), len(rest)
    if count and not drop_remainder:
        yield torch.cat(pending)


def _batched_spec(spec, size):
    return rebuild(spec, [TensorSpec(TensorShape([size] + list(s.shape)), s.dtype) for s in leaves(spec)])


class Batch(_Unary):
    def __init__(self, input_dataset, batch_size, drop_remainder):
        super().__init__(input_dataset)
        self.size, self.drop = int(batch_size), bool(drop_remainder)
        if self.size <= 0:
            raise ValueError(f"Invalid `batch_size`. `batch_size` must be positive; received {self.size}.")

    def _elements(self):
        stream = self.input._index_stream()
        if stream is not None:
            source, blocks = stream
            for index in _chunks(blocks, self.size, self.drop):
                yield source.gather(index)
            return
        buf = []
        for e in self.input._elements():
            buf.append(e)
            if len(buf) == self.size:
                yield stack_elements(buf)
                buf = []
        if buf and not self.drop:
            yield stack_elements(buf)

    def _cardinality(self):
        n = self.input._cardinality()
        if n < 0:
            return n
        return n // self.size if self.drop else -(-n // self.size)

    def _spec(self):
        return _batched_spec(self.input._spec(), self.size if self.drop else None)

    def _deterministic(self):
        return False


def _pad_value(value, leaf):
    if value is None:
        return b"" if isinstance(leaf, StringTensor) else 0
    if isinstance(value, torch.Tensor):
        return value.item()
    return value


class PaddedBatch(Batch):
    def __init__(self, input_dataset, batch_size, padded_shapes, padding_values, drop_remainder):
        super().__init__(input_dataset, batch_size, drop_remainder)
        self.padded_shapes, self.padding_values = padded_shapes, padding_values

    def _targets(self, element):
        from torchkeras.porting.tf.data._sources import _flatten_up_to
        n = len(leaves(element))
        shapes = [None] * n if self.padded_shapes is None else _flatten_up_to(element, self.padded_shapes)
        if self.padding_values is None or not isinstance(self.padding_values, (tuple, dict, list)):
            values = [self.padding_values] * n
        else:
            values = _flatten_up_to(element, self.padding_values)
        return shapes, values

    def _pad_batch(self, elements):
        shapes, values = self._targets(elements[0])
        flat = [leaves(e) for e in elements]
        out = []
        for i, (shape, value) in enumerate(zip(shapes, values)):
            parts = [f[i] for f in flat]
            if isinstance(parts[0], torch.Tensor) and parts[0].dim() == 0:
                out.append(stack(parts))
                continue
            longest = [max(p.shape[d] for p in parts) for d in range(len(parts[0].shape))]
            if shape is not None:
                shape = shape.tolist() if isinstance(shape, torch.Tensor) else list(shape)
                for d, s in enumerate(shape):
                    if s is not None and int(s) != -1:
                        if int(s) < longest[d]:
                            from torchkeras.porting.tf._core import InvalidArgumentError
                            raise InvalidArgumentError(f"Attempted to pad to a smaller size than the input "
                                                       f"element: {longest[d]} > {int(s)}.")
                        longest[d] = int(s)
            out.append(self._pad_stack(parts, longest, _pad_value(value, parts[0])))
        return rebuild(elements[0], out)

    @staticmethod
    def _pad_stack(parts, target, value):
        if isinstance(parts[0], StringTensor):
            arr = np.full([len(parts)] + target, value, dtype=object)
            for k, p in enumerate(parts):
                arr[(k,) + tuple(slice(0, d) for d in p.shape)] = np.asarray(p)
            return arr.view(StringTensor)
        out = torch.full([len(parts)] + target, value, dtype=parts[0].dtype)
        for k, p in enumerate(parts):
            out[(k,) + tuple(slice(0, d) for d in p.shape)] = convert(p)
        return out

    def _elements(self):
        buf = []
        for e in self.input._elements():
            buf.append(e)
            if len(buf) == self.size:
                yield self._pad_batch(buf)
                buf = []
        if buf and not self.drop:
            yield self._pad_batch(buf)

    def _spec(self):
        spec = self.input._spec()
        from torchkeras.porting.tf.data._sources import _flatten_up_to
        shapes = [None] * len(leaves(spec)) if self.padded_shapes is None else _flatten_up_to(spec, self.padded_shapes)
        out = []
        for s, shape in zip(leaves(spec), shapes):
            dims = [None] * len(s.shape) if shape is None else [
                None if d is None or int(d) == -1 else int(d) for d in list(shape)]
            out.append(TensorSpec(TensorShape([self.size if self.drop else None] + dims), s.dtype))
        return rebuild(spec, out)


class Unbatch(_Unary):
    def _elements(self):
        for e in self.input._elements():
            ls = leaves(e)
            for i in range(int(ls[0].shape[0])):
                yield rebuild(e, [leaf[i] for leaf in ls])

    def _cardinality(self):
        n = self.input._cardinality()
        return INFINITE if n == INFINITE else -2

    def _spec(self):
        spec = self.input._spec()
        return rebuild(spec, [TensorSpec(TensorShape(list(s.shape)[1:]), s.dtype) for s in leaves(spec)])
