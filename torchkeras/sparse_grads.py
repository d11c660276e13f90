"""An Embedding's gradient as tf.keras's optimizers see it: one slice per id occurrence.

tf.keras hands an Embedding's gradient to the optimizer as IndexedSlices, one row per token, and
Keras's sparse-aware ops keep the rows apart through every elementwise step: Adam's second moment
adds the sum of each occurrence's square (not the square of the summed row), Adamax takes the sum
of absolute values, clipvalue clips each occurrence, and clipnorm measures the norm over the
occurrences. Linear steps (SGD, momentum, Lion, Adam's first moment) see the summed row either way.

torch's dense gradient is the summed row, so the Embedding layer's backward also records the
per-occurrence rows here. The optimizer uses them only when they still describe the gradient it
is applying: the gradient tensor must be the very buffer this backward produced (torch moves it
into `.grad` when it is the parameter's only gradient) and must not have been modified since
(its version counter). Several lookups (a layer called twice, backwards accumulated into
`.grad`) pool their rows. A contribution from elsewhere (a weight also used outside the layer,
DDP's bucket views, an in-place clip by the user) fails the check, and the optimizer falls back to
the dense rule, which is what Keras's torch and jax backends do anyway.
"""

import weakref

import torch
import torch.nn.functional as F

# id(param) -> (weakref to param, [(dense grad data_ptr, its version, ids, rows), ...], backward
# pass id): one item per backward of a lookup since the optimizer last applied this gradient.
_PENDING = {}
_MAX_LOOKUPS = 16  # a parameter no torchkeras optimizer consumes stops collecting here


class _EmbeddingLookup(torch.autograd.Function):
    @staticmethod
    def forward(ctx, ids, weight):
        ctx.save_for_backward(ids)
        ctx.num_rows = weight.shape[0]
        ctx.param = weight
        return F.embedding(ids, weight)

    @staticmethod
    def backward(ctx, grad_out):
        (ids,) = ctx.saved_tensors
        # Often a transposed view (an RNN's backward): made contiguous once, here, the copy the
        # dense backward would make anyway, so the optimizer's elementwise work on it copies nothing.
        grad_out = grad_out.contiguous()
        dense = torch.ops.aten.embedding_dense_backward(grad_out, ids, ctx.num_rows, -1, False)
        param = ctx.param
        if len(_PENDING) > 64:  # entries of parameters that no torchkeras optimizer consumes
            for key in [k for k, e in _PENDING.items() if e[0]() is None]:
                del _PENDING[key]
        task = _graph_task_id()
        entry = _PENDING.get(id(param))
        if (entry is None or entry[0]() is not param or len(entry[1]) >= _MAX_LOOKUPS
                # rows left by an earlier backward whose gradient was since cleared, unused
                # (say a GAN's generator step through the discriminator's Embedding)
                or (param.grad is None and entry[2] != task)):
            entry = _PENDING[id(param)] = (weakref.ref(param), [], task)
        entry[1].append((dense.data_ptr(), dense._version, ids, grad_out))
        return None, dense


def _graph_task_id():
    get = getattr(torch._C, "_current_graph_task_id", None)  # torch >= 2.1
    return get() if get is not None else None


def embedding_lookup(ids, weight):
    """F.embedding that also records per-occurrence gradient rows for torchkeras's optimizers.

    Under torch.compile (jit_compile=True) the plain lookup is traced: the recording is a Python
    side effect AOTAutograd cannot trace, and a graph break there confuses dynamo's resume of
    the nested layer calls. Compiled steps therefore train with the dense rule (README: known
    differences)."""
    if weight.requires_grad and torch.is_grad_enabled() and not torch.compiler.is_compiling():
        return _EmbeddingLookup.apply(ids, weight)
    return F.embedding(ids, weight)


def take(params, grads):
    """Per-occurrence (ids, rows) for each grad that is still exactly an Embedding's gradient.

    Returns None when there are none (the common case, at the cost of one dict check)."""
    if not _PENDING:
        return None
    found = None
    for i, (p, g) in enumerate(zip(params, grads)):
        entry = _PENDING.pop(id(p), None)
        if entry is None or entry[0]() is not p:
            continue
        lookups = entry[1]
        # One lookup: its dense gradient moved into .grad untouched. Several (a shared layer
        # called twice, or backwards accumulated into .grad): autograd summed them into one of
        # their buffers in place, one add per other lookup. Anything else is not just these rows.
        if not any(g.data_ptr() == ptr and g._version == ver + len(lookups) - 1
                   for ptr, ver, _, _ in lookups) or lookups[0][3].dtype != g.dtype:
            continue
        if found is None:
            found = [None] * len(grads)
        if len(lookups) == 1:
            found[i] = lookups[0][2:]
        else:
            dim = g.shape[-1]
            found[i] = (torch.cat([ids.reshape(-1) for _, _, ids, _ in lookups]),
                        torch.cat([rows.reshape(-1, dim) for _, _, _, rows in lookups]))
    return found


def clear():
    _PENDING.clear()


def row_sums(like, ids, values):
    """Dense tensor shaped like `like` whose row r sums the rows of `values` (shaped ids.shape +
    (dim,)) at the positions where ids == r. index_add_ is three kernels on CUDA where the
    sort-based embedding backward is about ten (it follows torch's deterministic-algorithms mode)."""
    return torch.zeros_like(like).index_add_(0, ids.reshape(-1), values.reshape(-1, like.shape[-1]))
