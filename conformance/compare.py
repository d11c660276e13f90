"""`conformance.compare(keras_model, torchkeras_model, inputs)`: a user's model against real tf.keras."""

from dataclasses import dataclass, field

import numpy as np
import torch

from conformance import reference
from conformance.values import as_list, close, to_torch, torch_to_numpy


@dataclass
class Comparison:
    passed: bool
    max_abs_error: float
    output_errors: list                      # max abs error per output
    message: str = ""
    first_divergent_layer: str | None = None  # "keras_name / torchkeras_name (Class)"
    layer_errors: list = field(default_factory=list)  # (keras layer name, max abs err, ok)

    def __bool__(self):
        return self.passed

    def __str__(self):
        return self.message

    def raise_if_failed(self):
        if not self.passed:
            raise AssertionError(self.message)
        return self


def _numpy_inputs(inputs):
    if isinstance(inputs, (list, tuple)):
        return [_numpy_inputs(v) for v in inputs]
    if isinstance(inputs, torch.Tensor):
        return inputs.detach().cpu().numpy()
    arr = np.asarray(inputs)
    return arr.astype(np.float32) if arr.dtype == np.float64 else arr


def _inner_layers(model):
    return [la for la in model.layers if type(la).__name__ != "InputLayer"]


def _ensure_built(tmodel, x):
    with torch.no_grad():
        tmodel(to_torch(x))


def copy_layer_weights(keras_model, torchkeras_model, inputs):
    """Copy Keras's weights into the torchkeras model layer by layer (matched by position and class)."""
    x = _numpy_inputs(inputs)
    _ensure_built(torchkeras_model, x)
    kls, tls = _inner_layers(keras_model), _inner_layers(torchkeras_model)
    if len(kls) != len(tls):
        raise ValueError(f"Cannot copy weights: the Keras model has {len(kls)} layers "
                         f"({[type(la).__name__ for la in kls]}) but the torchkeras model has {len(tls)} "
                         f"({[type(la).__name__ for la in tls]}). Build both from the same code.")
    for i, (kl, tl) in enumerate(zip(kls, tls)):
        if type(kl).__name__ != type(tl).__name__:
            raise ValueError(f"Cannot copy weights: layer {i} is {type(kl).__name__} {kl.name!r} in Keras "
                             f"but {type(tl).__name__} {tl.name!r} in torchkeras.")
        tl.set_weights([np.asarray(w) for w in kl.get_weights()])


def _torch_layer_outputs(tmodel, x):
    """Each layer's first output during one forward pass, captured with torch forward hooks."""
    seen, hooks = {}, []
    for i, layer in enumerate(_inner_layers(tmodel)):
        def hook(mod, args, out, i=i):
            seen.setdefault(i, torch_to_numpy(out))
        hooks.append(layer.register_forward_hook(hook))
    try:
        with torch.no_grad():
            tmodel(to_torch(x))
    finally:
        for h in hooks:
            h.remove()
    return seen


def _locate(keras_model, tmodel, x, atol, rtol):
    kls = _inner_layers(keras_model)
    keras_layers, imodel = reference.intermediate_model(keras_model)
    k_outs = as_list(reference.call(imodel, x, training=False)[0]) if keras_layers else []
    if len(keras_layers) == 1:
        k_outs = [k_outs if not isinstance(k_outs[0], list) else k_outs[0]]
    by_layer = {id(la): o for la, o in zip(keras_layers, k_outs)}
    t_outs = _torch_layer_outputs(tmodel, x)
    rows, first = [], None
    tls = _inner_layers(tmodel)
    for i, kl in enumerate(kls):
        if id(kl) not in by_layer or i not in t_outs:
            continue
        errs = [close(o, r, atol, rtol) for o, r in zip(as_list(t_outs[i]), as_list(by_layer[id(kl)]))]
        ok = all(e[0] for e in errs) and len(as_list(t_outs[i])) == len(as_list(by_layer[id(kl)]))
        err = max((e[1] for e in errs), default=0.0)
        rows.append((kl.name, err, ok))
        if not ok and first is None:
            tname = tls[i].name if i < len(tls) else "?"
            first = f"{kl.name} / {tname} ({type(kl).__name__}, layer {i})"
    return first, rows


def compare(keras_model, torchkeras_model, inputs, atol=1e-6, rtol=1e-5, copy_weights=False,
            locate=True):
    """Compare a torchkeras model with the same model in real tf.keras on `inputs` (inference mode).

    copy_weights=True first copies the Keras weights into the torchkeras model, layer by layer.
    On a mismatch (and locate=True) the per-layer outputs of both are compared and the first
    layer whose output diverges is named. Returns a `Comparison` (truthy when everything matches);
    call `.raise_if_failed()` in a test. Missing TensorFlow raises ReferenceUnavailable.
    """
    reference.load()
    x = _numpy_inputs(inputs)
    if copy_weights:
        copy_layer_weights(keras_model, torchkeras_model, x)
    k_out = as_list(reference.call(keras_model, x, training=False)[0])
    with torch.no_grad():
        t_out = as_list(torch_to_numpy(torchkeras_model(to_torch(x))))
    if len(k_out) != len(t_out):
        return Comparison(False, float("inf"), [], f"torchkeras model returns {len(t_out)} outputs, "
                          f"Keras returns {len(k_out)}")
    results = [close(o, r, atol, rtol) for o, r in zip(t_out, k_out)]
    errs = [r[1] for r in results]
    passed = all(r[0] for r in results)
    maxerr = max(errs, default=0.0)
    if passed:
        return Comparison(True, maxerr, errs, f"match: max abs error {maxerr:.3g} "
                          f"(atol {atol:g}, rtol {rtol:g}) over {len(k_out)} output(s)")
    bad = next(i for i, r in enumerate(results) if not r[0])
    msg = f"MISMATCH in output {bad}: {results[bad][2]}"
    first, rows = (None, [])
    if locate:
        try:
            first, rows = _locate(keras_model, torchkeras_model, x, atol, rtol)
        except Exception as e:  # noqa: BLE001 - locating is best effort; the mismatch stands
            msg += f"; could not compare per-layer outputs ({type(e).__name__}: {e})"
        if first:
            msg += f"; first diverging layer: {first}"
    return Comparison(False, maxerr, errs, msg, first, rows)


def same_tf_data_map(ours, ref, data, batch, fn=None, drop_remainder=False, rtol=1e-6, atol=1e-6):
    """Map a torchkeras layer and its tf.keras twin over the same real `tf.data` dataset (`fn(layer)`
    wraps a layer when given): element specs, dtypes, shapes and every batch's values must agree."""
    import tensorflow as tf  # only conformance imports TensorFlow (torch was imported first above)

    results = []
    for layer in (ours, ref):
        ds = tf.data.Dataset.from_tensor_slices(data).batch(batch, drop_remainder=drop_remainder)
        ds = ds.map(fn(layer) if fn is not None else layer)
        results.append((ds.element_spec, [b.numpy() for b in ds]))
    (spec, got), (want_spec, want) = results
    assert spec.dtype == want_spec.dtype, (spec, want_spec)
    assert spec.shape.as_list() == want_spec.shape.as_list(), (spec, want_spec)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, g.shape, w.dtype, w.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
