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

from ..callbacks.callback_list import CallbackList
from . import data_adapter as da
from . import mode
from .loops import _batch_hooks
from .mode import set_mode
from .tree import flatten, map_structure

NOT_SINGLE_BATCH = object()  # "take the general loop" (predict can legitimately return anything)
_ARRAYS = (np.ndarray, torch.Tensor)
_MODULE_EVAL = torch.nn.Module.eval


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
    return da.to_torch(x) if len(leaves) == 1 and x is leaves[0] else da.to_torch_structure(x)


def _already_inference(model):
    """Every module keeps torch's own train/eval (mode.py) and already has training=False: then
    `eval()` and the restore afterwards would write nothing, so both are skipped."""
    if type(model).eval is not _MODULE_EVAL:
        return False
    modules = mode._plain_modules(model)
    if modules is None:
        return False
    for m in modules:
        if m.training:
            return False
    return True


def _to_host(t):
    # torch.cat copies, as the general loop's gather does: the array never aliases the input
    # (an identity model) or a layer's own tensors.
    t = torch.cat([t.detach() if t.requires_grad else t])
    if t.device.type != "cpu":
        t = t.cpu()
    # numpy has no bfloat16 (ops.core.convert_to_numpy does the same)
    return t.float().numpy() if t.dtype is torch.bfloat16 else t.numpy()


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
    try:
        with torch.no_grad():
            if hooks:
                cbs.on_predict_batch_begin(0)
            out = model.predict_step((xt,))
            if hooks:
                cbs.on_predict_batch_end(0, {"outputs": out})
    finally:
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
