"""TorchOpLayer: a torch function applied to symbolic tensors (``a + b``, ``x[:, 0]``, ``torch.cat``)."""

from torchkeras.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer


class TorchOpLayer(Layer):
    _is_op = True

    def __init__(self, func, name=None):
        op_name = getattr(func, "__name__", "op").lstrip("_")
        super().__init__(name=name or _op_name(op_name))
        self.func = func
        self.built = True

    def forward(self, *args, **kwargs):
        if _has_symbolic((args, kwargs)):
            return self._symbolic_op(args, kwargs)
        return self.func(*args, **kwargs)

    def call(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def _symbolic_op(self, args, kwargs):
        from torchkeras.keras_tensor import Node
        from torchkeras.ops._symbolic import infer_output
        out = infer_output(self.func, args, kwargs, name=self.name)
        node = Node(self, args, kwargs, out)
        for i, t in enumerate(node.flat_outputs):
            if isinstance(t, KerasTensor):
                t._keras_history = (node, i)
        self._inbound_nodes.append(node)
        return out

    def get_config(self):
        raise NotImplementedError(
            f"The operation {self.name!r} ({getattr(self.func, '__name__', self.func)}) recorded on symbolic tensors "
            "cannot be serialized. Wrap it in a Lambda layer or a custom Layer to save the model.")


def _has_symbolic(structure):
    from torchkeras.keras_tensor import any_symbolic
    return any_symbolic(structure)


def _op_name(op_name):
    from torchkeras import config
    return config.unique_name(op_name)
