"""Switching a model between training and inference mode, cheaply.

`Module.train` recurses through every child and sets the flag through `Module.__setattr__`:
tens of microseconds on a small model, which predict and evaluate paid twice per call. When no
module customises `train`, `eval` or `__setattr__`, writing the flags directly is the same thing.
"""

import torch


def set_mode(model, training, use_eval=False):
    """`model.train(training)`, or `model.eval()` with use_eval; the flags are written directly
    when every module keeps torch's own train/eval and a plain `__setattr__`."""
    if isinstance(training, bool) and (not use_eval or type(model).eval is _MODULE_EVAL):
        modules = _plain_modules(model)
        if modules is not None:
            for m in modules:
                m.__dict__["training"] = training
            return
    if use_eval:
        model.eval()
    else:
        model.train(training)


def _plain_modules(model):
    """The modules `model.modules()` yields (in another order), or None when one of them has its
    own `train` or `__setattr__`."""
    plain = _PLAIN_TYPES
    if not plain.get(type(model), False) and not _is_plain(type(model)) or (
            "train" in model.__dict__ or "eval" in model.__dict__):
        return None
    found, stack = {id(model): model}, [model]
    while stack:
        for child in stack.pop()._modules.values():
            if child is not None and id(child) not in found:
                if not plain.get(type(child), False) and not _is_plain(type(child)) or (
                        "train" in child.__dict__):
                    return None
                found[id(child)] = child
                stack.append(child)
    return found.values()


def plain_type(cls):
    """Whether `cls` keeps torch's train and a __setattr__ that does nothing on "training"."""
    plain = _PLAIN_TYPES.get(cls)
    return _is_plain(cls) if plain is None else plain


_MODULE_EVAL = torch.nn.Module.eval
_PLAIN_TYPES = {}  # module class -> whether it keeps torch's train and a plain __setattr__


def _is_plain(cls):
    # torchkeras's own __setattr__ overrides (Layer's routing of modules, lists and weights;
    # Model's and Sequential's refusal of the name "layers") never act on "training"; a user's
    # override might.
    setattr_fn = cls.__setattr__
    plain = cls.train is torch.nn.Module.train and (
        setattr_fn is torch.nn.Module.__setattr__
        or getattr(setattr_fn, "__module__", "").startswith("torchkeras."))
    _PLAIN_TYPES[cls] = plain
    return plain
