"""predict() for the common serving call: one array (or a flat list / dict of arrays) that fits
in a single batch.

The general loop (loops.predict_loop) builds an EpochIterator, a CallbackList and per-output
gather lists; for one small batch that bookkeeping costs more than the model. This path runs the
same steps in the same order (eval mode, on_predict_begin, the batch hooks, predict_step under
no_grad, on_predict_end, one copy to the host per output) without the iterator, and builds a
CallbackList only when a callback or the progress bar can hear it.

no_grad rather than inference_mode: tensors made under inference_mode can never join autograd,
and a model may create or cache tensors inside predict (lazy build, stateful RNN states, cached
masks) that a later fit differentiates through.
"""

import numpy as np
import torch

from .. import config
from ..callbacks.callback_list import CallbackList
from . import data_adapter as da
from . import mode
from .loops import _batch_hooks
from .mode import set_mode
from .tree import flatten, map_structure

NOT_SINGLE_BATCH = object()  # "take the general loop" (predict can legitimately return anything)
_ARRAYS = (np.ndarray, torch.Tensor)
_MODULE_EVAL = torch.nn.Module.eval
_FLOAT32 = np.dtype(np.float32)
_set_grad_enabled = torch._C._set_grad_enabled  # torch.no_grad() without the context object


def _single_batch_input(x, batch_size):
    """`x` as torch tensors when it is one batch's worth of plain arrays; None otherwise (then
    the general loop runs and raises whatever error the input deserves)."""
    if not (batch_size is None or type(batch_size) is int):
        return None
    if isinstance(x, _ARRAYS):
        leaves = (x,)
    elif isinstance(x, (list, tuple, dict)) and x:
        leaves = tuple(x.values()) if isinstance(x, dict) else x
    else:
        return None
    n = None
    for a in leaves:
        if not isinstance(a, _ARRAYS) or a.ndim == 0 or (n is not None and a.shape[0] != n):
            return None
        n = a.shape[0]
    # batch_size 0 / None mean Keras's default of 32, as in EpochIterator
    if not 0 < n <= (batch_size or 32):
        return None
    if len(leaves) == 1 and x is leaves[0]:
        if type(x) is np.ndarray and x.dtype == _FLOAT32 and x.flags.c_contiguous:
            return torch.from_numpy(x)  # what da.to_torch does for it, without the checks
        return da.to_torch(x)
    return da.to_torch_structure(x)


def _already_inference(model):
    """Every module keeps torch's own train/eval (mode.py) and already has training=False: then
    `eval()` and the restore afterwards would write nothing, so both are skipped. One walk over
    the modules, stopping at the first one in training mode; a module reached twice is checked
    twice (cheaper than a visited set), and a tree too deep to be one (a cycle) reads as "no"."""
    plain, plain_type = mode._PLAIN_TYPES, mode.plain_type
    cls = type(model)
    if model.training or cls.eval is not _MODULE_EVAL or not (plain.get(cls) or plain_type(cls)) \
            or "train" in model.__dict__ or "eval" in model.__dict__:
        return False
    stack, budget = [model], 100_000
    while stack:
        for child in stack.pop()._modules.values():
            if child is None:
                continue
            cls = type(child)
            if child.training or not (plain.get(cls) or plain_type(cls)) or "train" in child.__dict__:
                return False
            if child._modules:
                stack.append(child)
                budget -= 1
                if not budget:
                    return False
    return True


def _to_host(t):
    """A numpy copy of `t`: as the general loop's gather (a torch.cat), the array never aliases
    the input (an identity model) or a layer's own tensors."""
    if t.requires_grad:
        t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()  # a copy already
    elif t.dtype is not torch.bfloat16:
        try:
            return t.numpy().copy()
        except RuntimeError:  # conjugate / negative views numpy cannot share: torch resolves them
            return torch.cat([t]).numpy()
    # numpy has no bfloat16 (ops.core.convert_to_numpy does the same)
    return t.float().numpy() if t.dtype is torch.bfloat16 else t.numpy()


_DIRECT = []  # Trainer.predict_step, Sequential, Layer, Model, ...: imported late (import cycles)
_LEAN_TYPES = {}  # layer class -> whether _lean_call may call its `call` directly


def _classes():
    if not _DIRECT:
        from ..layers.layer import Layer
        from ..models.model import Model
        from ..models.sequential import Sequential, direct_calls_allowed, hookless
        from .trainer import Trainer
        _DIRECT.extend((Trainer.predict_step, Sequential, Layer, Model, direct_calls_allowed,
                        hookless))
    return _DIRECT


def _predict_step(model, xt):
    """`model.predict_step((xt,))`; for the default step and a model nothing intercepts, its
    forward is called directly (nn.Module.__call__'s hook checks cost a microsecond or two), and
    a plain Sequential model runs its layers through _lean_call."""
    default_step, sequential, _, _, direct_calls_allowed, hookless = _classes()
    if type(model).predict_step is not default_step or model.__dict__.get("_compiled_steps") is not None \
            or not direct_calls_allowed() or not hookless(model):
        return model.predict_step((xt,))
    if _lean_type(type(model), sequential) and _lean_layer(model, xt):
        return _lean_sequential(model, xt, hookless)
    return model.forward(xt, training=False)


def _lean_type(cls, sequential=None):
    """Whether `layer.call(x)` is all `layer(x)` does for this class when the per-instance checks
    of _lean_layer pass: the base class's forward and call machinery, a call that takes neither
    `training` nor `mask` (so the call context's flag is all it could read) and no mask of its
    own. For a model (`sequential` given): Sequential's own call and machinery."""
    lean = _LEAN_TYPES.get(cls)
    if lean is None:
        _, seq, layer, model, _, _ = _classes()
        lean = getattr(cls, "forward", None) is layer.forward and cls.__call__ is torch.nn.Module.__call__
        if sequential is not None:
            lean = lean and cls.call is seq.call and cls._run_call is model._run_call
        else:
            lean = lean and cls._run_call is layer._run_call and cls._call_args() == (False, False) \
                and cls.compute_mask is layer.compute_mask
        _LEAN_TYPES[cls] = lean
    return lean


def _lean_layer(layer, x):
    """The per-call conditions under which Layer.forward/_run_call would only check `x` against
    the input spec and call `layer.call(x)`: a built layer, no losses to clear, no activity
    regularizer, no mixed-precision autocast, and a float32-or-other (not float64) tensor that
    carries no Keras mask."""
    if type(x) is not torch.Tensor or x.dtype is torch.float64 or not layer.built or layer._losses \
            or layer.activity_regularizer is not None or layer._autocast_mode is not None \
            or (x.__dict__ and "_keras_mask" in x.__dict__):
        return False
    spec = layer.input_spec
    return spec is None or spec.quick_ok(x)


def _lean_sequential(model, x, hookless):
    """`model(x, training=False)` for a Sequential model: the call context is set once (what the
    model's own call sets for its layers), then each layer that qualifies is called through its
    `call`; any other goes through its own forward or __call__, with the full machinery."""
    ctx = config.call_context
    prev = ctx.training, ctx.explicit_training
    ctx.training, ctx.explicit_training = False, True
    ctx.depth += 1
    try:
        for layer in model._stack:
            if not hookless(layer):
                x = layer(x)
            elif _lean_type(type(layer)) and _lean_layer(layer, x):
                x = layer.call(x)
            else:
                x = layer.forward(x)
    finally:
        ctx.depth -= 1
        ctx.training, ctx.explicit_training = prev
    return x


def predict_single_batch(model, x, batch_size, verbose, steps, callbacks):
    """The outputs of `model.predict(...)`, or NOT_SINGLE_BATCH when the general loop must run."""
    if steps is not None or isinstance(callbacks, CallbackList):
        return NOT_SINGLE_BATCH
    xt = _single_batch_input(x, batch_size)
    if xt is None:
        return NOT_SINGLE_BATCH
    device = model._data_device()
    if device is not None and (device.type != "cpu" or not isinstance(x, np.ndarray)):
        xt = da.to_device(xt, device)  # tensors already there are left as they are
    cbs = None
    if callbacks or verbose != 0:
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=model, verbose=verbose,
                           epochs=1, steps=1)
    flip = not _already_inference(model)
    if flip:
        was_training = model.training
        set_mode(model, False, use_eval=True)
    if cbs is not None:
        cbs.on_predict_begin()
    hooks = cbs is not None and _batch_hooks(cbs, "predict")
    grad = torch.is_grad_enabled()
    _set_grad_enabled(False)
    try:
        if hooks:
            cbs.on_predict_batch_begin(0)
        out = _predict_step(model, xt)
        if hooks:
            cbs.on_predict_batch_end(0, {"outputs": out})
    finally:
        _set_grad_enabled(grad)
        if flip:
            set_mode(model, was_training)
    if cbs is not None:
        cbs.on_predict_end()
    if type(out) is torch.Tensor:
        return _to_host(out)
    if out is None:
        raise ValueError("Expected input data to be non-empty: predict() received no batch.")
    arrays = iter([_to_host(t) for t in flatten(out)])
    return map_structure(lambda _: next(arrays), out)
